import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileURLToPath } from "node:url";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { ensureStreams, STREAM_EVENTS, STREAM_LOGS } from "@slipway/events";
import { dockerClient, ensureBaseImage, ensureDockerEngine, startService, startTestNats, startTestRegistry } from "../src/index.js";

const fakeService = fileURLToPath(new URL("./fixtures/fake-service.mjs", import.meta.url));

/** Resolves with the build/push event stream's events, or rejects with the first error event. */
async function follow(stream: NodeJS.ReadableStream): Promise<unknown[]> {
  const events = await new Promise<unknown[]>((resolve, reject) =>
    dockerClient().modem.followProgress(stream, (err: Error | null, out: unknown[]) => (err ? reject(err) : resolve(out))),
  );
  const failure = events.find((e) => typeof e === "object" && e !== null && "error" in e);
  if (failure) throw new Error(JSON.stringify(failure));
  return events;
}

test("harness - the Docker engine answers", async () => {
  const engine = await ensureDockerEngine();
  assert.ok(await dockerClient().ping());
  await engine.stop(); // a reused engine is left alone, so it still answers
  assert.ok(await dockerClient().ping());
});

test("harness - startTestNats runs JetStream that ensureStreams can set up", async () => {
  const nats = await startTestNats();
  try {
    assert.match(nats.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      await ensureStreams(jsm);
      await ensureStreams(jsm); // idempotent
      const names: string[] = [];
      for await (const s of jsm.streams.list()) names.push(s.config.name);
      assert.equal(names.sort(), [STREAM_EVENTS, STREAM_LOGS].sort());
    } finally {
      await nc.close();
    }
  } finally {
    await nats.stop();
  }
});

test("harness - the engine pushes the base image to startTestRegistry's address", async () => {
  const registry = await startTestRegistry();
  const base = await ensureBaseImage();
  const repo = `${registry.address}/harness-check`;
  try {
    assert.match(registry.address, /^127\.0\.0\.1:\d+$/);
    const empty = await fetch(`${registry.url}/v2/_catalog`);
    assert.is(empty.status, 200);
    assert.equal(await empty.json(), { repositories: [] });

    // The base image has a shell: a RUN step works.
    const built = await dockerClient().buildImage(
      { context: fileURLToPath(new URL("./fixtures/run-image", import.meta.url)), src: ["Dockerfile"] },
      { t: `${repo}:one`, buildargs: { BASE: base }, rm: true, forcerm: true },
    );
    await follow(built);
    await follow(await dockerClient().getImage(`${repo}:one`).push({ tag: "one" }));
    const after = await fetch(`${registry.url}/v2/_catalog`);
    assert.equal(await after.json(), { repositories: ["harness-check"] });
  } finally {
    await dockerClient().getImage(`${repo}:one`).remove().catch(() => {});
    await registry.stop();
  }
});

test("harness - startService resolves on the ready line and stop ends the process", async () => {
  const svc = await startService("fake", { FAKE_MODE: "ready" }, { entry: fakeService });
  let code: number | null = -1;
  try {
    assert.match(svc.output(), /"msg":"ready"/);
    assert.ok(svc.pid > 0);
  } finally {
    code = await svc.stop();
  }
  assert.is(code, 0);
  assert.match(svc.output(), /"msg":"stopping"/);
});

test("harness - startService rejects with the output when the service exits first", async () => {
  try {
    await startService("fake", { FAKE_MODE: "crash" }, { entry: fakeService });
    assert.unreachable("should have rejected");
  } catch (err) {
    assert.instance(err, Error);
    assert.match((err as Error).message, /exited \(code 3/);
    assert.match((err as Error).message, /bad config/);
  }
});

test("harness - startService names the missing build of an unknown service", async () => {
  try {
    await startService("no-such-service");
    assert.unreachable("should have rejected");
  } catch (err) {
    assert.match((err as Error).message, /packages\/no-such-service\/dist\/main\.bundle\.mjs is missing; build it with `pnpm run build`/);
  }
});

test.run();
