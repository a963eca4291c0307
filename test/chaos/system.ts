/**
 * The system as users run it: `npm start`'s launcher (packages/launcher/dist/cli/up.js) with a state
 * folder and ports of its own, so a chaos run never meets another running slipway. The launcher
 * starts NATS and a registry and keeps them and the services running; its pid files
 * (`<state>/run/<name>.pid`) say which process to hit.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerClient, ensureBaseImage, ensureDockerEngine, freePort, launcherPidFiles, removeLocalTags, repoRoot, spawnChild, type Child, type PidFiles } from "@slipway/test-kit";
import type { ChaosOptions } from "./options.js";

export type ChaosSystem = {
  /** Temp folder of the run: the launcher's state (logs, NATS and registry data), git repos, build logs. */
  work: string;
  stateDir: string;
  gitRoot: string;
  base: string;
  hookUrl: string;
  projectorUrl: string;
  natsUrl: string;
  /** host:port, as image names carry it. */
  registryAddress: string;
  pids: PidFiles;
  /** The service processes the launcher runs, by the names of their pid files. */
  services: string[];
  launcher: Child;
  /** What the launcher said so far, by process name: "<name> exited unexpectedly", "<name> is ready/running again". */
  launcherSaid(): { exits: Record<string, number>; restarts: Record<string, number> };
  /** Stops the launcher (it stops what it started), removes local image tags and, unless `keep`, the folder. */
  stop(keep?: boolean): Promise<void>;
};

const LAUNCHER = join(repoRoot(), "packages", "launcher", "dist", "cli", "up.js");

/**
 * Removes the run's images from the engine: its tags, then images left with only a digest of the
 * run's registry (a build whose tag a later build of the same name took).
 */
async function removeRunImages(registryAddress: string): Promise<void> {
  await removeLocalTags(registryAddress);
  const docker = dockerClient();
  for (const image of await docker.listImages()) {
    const untagged = (image.RepoTags ?? []).every((t) => t === "<none>:<none>");
    if (untagged && (image.RepoDigests ?? []).some((d) => d.startsWith(`${registryAddress}/`))) await docker.getImage(image.Id).remove({ noprune: true }).catch(() => undefined);
  }
}

/** Env of the launcher: ours without any SLIPWAY_ setting of the caller's shell, then the run's. */
function launcherEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("SLIPWAY_")) env[k] = v;
  return { ...env, ...settings };
}

export async function startChaosSystem(o: Pick<ChaosOptions, "builders" | "buildAckWaitSeconds" | "keepState">): Promise<ChaosSystem> {
  await ensureDockerEngine();
  const base = await ensureBaseImage();
  const work = mkdtempSync(join(tmpdir(), "slipway-chaos-"));
  const stateDir = join(work, "state");
  const gitRoot = join(work, "git");
  mkdirSync(gitRoot, { recursive: true });
  const [natsPort, registryPort, ingressPort, projectorPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const registryAddress = `127.0.0.1:${registryPort}`;
  const exits: Record<string, number> = {};
  const restarts: Record<string, number> = {};
  const count = (into: Record<string, number>, name: string) => (into[name] = (into[name] ?? 0) + 1);
  const launcher = spawnChild({
    name: "up",
    command: process.execPath,
    args: [LAUNCHER],
    env: launcherEnv({
      SLIPWAY_STATE_DIR: stateDir,
      SLIPWAY_NATS_URL: `nats://127.0.0.1:${natsPort}`,
      SLIPWAY_REGISTRY: registryAddress,
      SLIPWAY_INGRESS_PORT: String(ingressPort),
      SLIPWAY_PROJECTOR_PORT: String(projectorPort),
      SLIPWAY_GIT_URL: join(gitRoot, "{name}.git"),
      SLIPWAY_LOGS_DIR: join(work, "build-logs"),
      SLIPWAY_BUILDERS: String(o.builders),
      SLIPWAY_BUILD_ACK_WAIT_SECONDS: String(o.buildAckWaitSeconds),
    }),
    logFile: join(work, "launcher.log"),
    onLine: (line) => {
      const exit = /^\[slipway\] (\S+) exited unexpectedly/.exec(line);
      if (exit?.[1]) count(exits, exit[1]);
      const back = /^\[slipway\] (\S+) is (?:ready|running) again$/.exec(line);
      if (back?.[1]) count(restarts, back[1]);
    },
  });

  let stopped: Promise<void> | undefined;
  const stop = (keep = o.keepState) =>
    (stopped ??= (async () => {
      // As Ctrl-C: the services first, then the NATS server and registry it started.
      await launcher.stop(60_000);
      await removeRunImages(registryAddress).catch((err: unknown) => console.error(`removing local images of ${registryAddress}: ${String(err)}`));
      if (!keep) rmSync(work, { recursive: true, force: true });
    })());

  try {
    await launcher.waitForLine((l) => l === "slipway is up", 120_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const pids = launcherPidFiles(stateDir);
  // The launcher's own names (builder-1, builder-2...): every pid file but those of the infrastructure.
  const services = readdirSync(pids.dir)
    .filter((f) => f.endsWith(".pid"))
    .map((f) => f.slice(0, -".pid".length))
    .filter((name) => name !== "nats-server" && name !== "registry")
    .sort();
  return {
    work,
    stateDir,
    gitRoot,
    base,
    hookUrl: `http://127.0.0.1:${ingressPort}/hook`,
    projectorUrl: `http://127.0.0.1:${projectorPort}`,
    natsUrl: `nats://127.0.0.1:${natsPort}`,
    registryAddress,
    pids,
    services,
    launcher,
    launcherSaid: () => ({ exits: { ...exits }, restarts: { ...restarts } }),
    stop,
  };
}
