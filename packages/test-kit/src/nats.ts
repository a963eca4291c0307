import { ensureNatsImage, LOCAL_NATS_IMAGE } from "@slipway/local-images";
import { harnessConfig } from "./config.js";
import { loadTestcontainers, neverPull } from "./testcontainers.js";

/** A NATS server with JetStream, in a container, for one test file. */
export type TestNats = {
  /** nats://127.0.0.1:PORT */
  url: string;
  /** Stops the container; again is a no-op (a test that stops NATS itself leaves the rest to `after`). */
  stop(): Promise<void>;
};

/** Starts NATS (JetStream on, store in the container) on a random host port. */
export async function startTestNats(): Promise<TestNats> {
  const { GenericContainer, Wait } = await loadTestcontainers();
  const image = harnessConfig().natsImage;
  let container = new GenericContainer(image)
    .withCommand(["-js", "-sd", "/data"])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .withStartupTimeout(60_000);
  if (image === LOCAL_NATS_IMAGE) {
    await ensureNatsImage(image);
    container = container.withPullPolicy(neverPull);
  }
  const started = await container.start();
  let stopped: Promise<void> | undefined;
  return {
    url: `nats://${started.getHost()}:${started.getMappedPort(4222)}`,
    stop: () => (stopped ??= started.stop({ timeout: 5_000 }).then(() => undefined)),
  };
}
