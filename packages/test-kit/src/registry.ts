import { ensureRegistryImage, LOCAL_REGISTRY_IMAGE } from "@slipway/local-images";
import { harnessConfig } from "./config.js";
import { loadTestcontainers, neverPull } from "./testcontainers.js";

/** A Docker registry (distribution 2.x, no auth), in a container, for one test file. */
export type TestRegistry = {
  /** 127.0.0.1:PORT: the form image names and SLIPWAY_REGISTRY use; the engine pushes there (loopback is insecure-allowed). */
  address: string;
  /** http://127.0.0.1:PORT */
  url: string;
  /** The digest the registry serves for `name:tag` (the manifest Docker pushed), or null when it has none. */
  manifestDigest(name: string, tag: string): Promise<string | null>;
  stop(): Promise<void>;
};

/** HEAD of a manifest as Docker pushes it (schema 2): the registry answers with its digest. */
export async function manifestDigest(registryUrl: string, name: string, tag: string): Promise<string | null> {
  const res = await fetch(`${registryUrl}/v2/${name}/manifests/${tag}`, { method: "HEAD", headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" } });
  return res.ok ? res.headers.get("docker-content-digest") : null;
}

/**
 * Starts a registry on a random host port, or on `hostPort` (a test that stops a registry and
 * starts another in its place, as a registry outage and recovery looks to a builder).
 */
export async function startTestRegistry(options: { hostPort?: number } = {}): Promise<TestRegistry> {
  const { GenericContainer, Wait } = await loadTestcontainers();
  const image = harnessConfig().registryImage;
  let container = new GenericContainer(image)
    .withExposedPorts(options.hostPort ? { container: 5000, host: options.hostPort } : 5000)
    .withWaitStrategy(Wait.forHttp("/v2/", 5000))
    .withStartupTimeout(60_000);
  if (image === LOCAL_REGISTRY_IMAGE) {
    await ensureRegistryImage(image);
    container = container.withPullPolicy(neverPull);
  }
  const started = await container.start();
  const address = `${started.getHost()}:${started.getMappedPort(5000)}`;
  return {
    address,
    url: `http://${address}`,
    manifestDigest: (name, tag) => manifestDigest(`http://${address}`, name, tag),
    stop: async () => {
      await started.stop({ timeout: 5_000 });
    },
  };
}
