/**
 * The whole system for a benchmark: NATS and a registry from the test harness, the four services
 * as real processes (as `npm start` runs them), a folder of bare git repos that git-sync clones
 * from, and the cleanup of all of it (processes, containers, temp dirs, local image tags).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  dockerClient,
  ensureBaseImage,
  ensureDockerEngine,
  freePort,
  startService,
  startTestNats,
  startTestRegistry,
  type RunningService,
  type TestNats,
  type TestRegistry,
} from "@slipway/test-kit";

export type SystemOptions = {
  /** Builder processes. */
  builders: number;
  /** SLIPWAY_BUILD_CONCURRENCY of each builder. */
  concurrency: number;
  /** SLIPWAY_LOG_LEVEL of the services (the readiness line is logged at info). */
  logLevel?: string;
  /** SLIPWAY_BUILDER_BACKEND of the builders; default: the builder's own (auto). */
  backend?: string;
};

export type System = {
  natsUrl: string;
  registry: TestRegistry;
  /** `FROM` image with a busybox shell (local, never pulled). */
  base: string;
  /** Temp folder of this run; everything below it is removed by `stop`. */
  work: string;
  /** Bare repos live at `<gitRoot>/<name>.git` (SLIPWAY_GIT_URL = `<gitRoot>/{name}.git`). */
  gitRoot: string;
  /** The projector's SLIPWAY_LOGS_DIR. */
  logsDir: string;
  hookUrl: string;
  buildsUrl: string;
  /** The builder processes now running. */
  builders(): readonly RunningService[];
  /** Stops the builders (gracefully) and starts `count` new ones with `concurrency` slots each. */
  setBuilders(count: number, concurrency: number): Promise<void>;
  /** The last lines every service printed, for a failure report. */
  outputs(lines?: number): string;
  /** Stops everything this started and removes its temp dirs and local image tags; safe to call twice. */
  stop(): Promise<void>;
};

/** Starts NATS, a registry and the services; on a failed start, whatever was started is stopped. */
export async function startSystem(options: SystemOptions): Promise<System> {
  await ensureDockerEngine();
  const base = await ensureBaseImage();
  const work = mkdtempSync(join(tmpdir(), "slipway-bench-"));
  const gitRoot = join(work, "git");
  const logsDir = join(work, "logs");
  mkdirSync(gitRoot, { recursive: true });

  const others: RunningService[] = [];
  let builders: RunningService[] = [];
  let nats: TestNats | undefined;
  let registry: TestRegistry | undefined;
  let stopped: Promise<void> | undefined;

  const stop = () =>
    (stopped ??= (async () => {
      const report = (what: string) => (err: unknown) => console.error(`cleanup (${what}):`, err instanceof Error ? err.message : err);
      // Ingress first (no new work), builders, then the rest; NATS last, after everything drained into it.
      const ingress = others.filter((s) => s.name === "ingress");
      for (const s of ingress) await s.stop().catch(report(s.name));
      await Promise.all(builders.map((s) => s.stop().catch(report(s.name))));
      for (const s of others.filter((s) => s.name !== "ingress").reverse()) await s.stop().catch(report(s.name));
      if (registry) {
        await removeRegistryTags(registry.address).catch(report("local image tags"));
        await registry.stop().catch(report("registry"));
      }
      await nats?.stop().catch(report("nats"));
      rmSync(work, { recursive: true, force: true });
    })());

  try {
    nats = await startTestNats();
    registry = await startTestRegistry();
    const ingressPort = await freePort();
    const projectorPort = await freePort();
    const common = { SLIPWAY_NATS_URL: nats.url, SLIPWAY_LOG_LEVEL: options.logLevel ?? "info" };
    const startBuilders = async (count: number, concurrency: number) => {
      const started = await Promise.all(
        Array.from({ length: count }, () => startService("builder", { ...common, SLIPWAY_BUILD_CONCURRENCY: String(concurrency), ...(options.backend ? { SLIPWAY_BUILDER_BACKEND: options.backend } : {}) })),
      );
      builders.push(...started);
    };

    others.push(
      await startService("projector", {
        ...common,
        SLIPWAY_PROJECTOR_PORT: String(projectorPort),
        SLIPWAY_PROJECTOR_HOST: "127.0.0.1",
        SLIPWAY_PROJECTOR_DATA: join(work, "projector"),
        SLIPWAY_LOGS_DIR: logsDir,
      }),
    );
    others.push(
      await startService("git-sync", {
        ...common,
        SLIPWAY_GIT_URL: join(gitRoot, "{name}.git"),
        SLIPWAY_GIT_DATA: join(work, "git-sync"),
        SLIPWAY_REGISTRY: registry.address,
      }),
    );
    await startBuilders(options.builders, options.concurrency);
    others.push(await startService("ingress", { ...common, SLIPWAY_INGRESS_PORT: String(ingressPort), SLIPWAY_INGRESS_HOST: "127.0.0.1" }));

    return {
      natsUrl: nats.url,
      registry,
      base,
      work,
      gitRoot,
      logsDir,
      hookUrl: `http://127.0.0.1:${ingressPort}/hook`,
      buildsUrl: `http://127.0.0.1:${projectorPort}/builds`,
      builders: () => builders,
      setBuilders: async (count, concurrency) => {
        const old = builders;
        builders = [];
        await Promise.all(old.map((s) => s.stop()));
        await startBuilders(count, concurrency);
      },
      outputs: (lines = 30) =>
        [...others, ...builders]
          .map((s) => `--- ${s.name} (pid ${s.pid}) ---\n${s.output().trimEnd().split("\n").slice(-lines).join("\n")}`)
          .join("\n"),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Removes every local tag naming `registryAddress` (slipway's and the baseline's images), letting
 * Docker prune the untagged parents (the legacy builder's intermediate images) with them.
 */
async function removeRegistryTags(registryAddress: string): Promise<void> {
  const docker = dockerClient();
  const prefix = `${registryAddress}/`;
  for (const image of await docker.listImages()) {
    for (const ref of image.RepoTags ?? []) {
      if (ref.startsWith(prefix)) await docker.getImage(ref).remove().catch(() => undefined);
    }
  }
}

/**
 * Runs `body` with a started system and always stops it, also on Ctrl-C / SIGTERM (the harness's
 * containers would otherwise outlive us).
 */
export async function withSystem<T>(options: SystemOptions, body: (system: System) => Promise<T>): Promise<T> {
  const system = await startSystem(options);
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the system`);
    void system.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await body(system);
  } catch (err) {
    console.error(system.outputs());
    throw err;
  } finally {
    await system.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
