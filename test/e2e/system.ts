import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createGitFixture,
  ensureBaseImage,
  ensureDockerEngine,
  freePort,
  removeLocalTags,
  startService,
  startTestRegistry,
  type RunningService,
  type TestRegistry,
} from "@slipway/test-kit";

/** The whole system on real parts, as the end-to-end tests run it, on a suite's NATS. */
export type E2eSystem = {
  registry: TestRegistry;
  /** A bare repo `fruty_docker-ci` that git-sync clones from, with the first commit made. */
  git: ReturnType<typeof createGitFixture>;
  /** The local base image the Dockerfiles start from. */
  base: string;
  ingressUrl: string;
  projectorUrl: string;
  /** The projector's logs folder. */
  logsDir: string;
  /** Stops every service and the registry (its pushed tags removed); NATS is the suite's. */
  stop(): Promise<void>;
};

/**
 * Docker engine, a registry, a git repo whose first commit holds `files(base)`, and the four
 * services as their own processes on the NATS at `natsUrl` (ingress with `token` as its API token;
 * the projector with it too when `projectorToken`, and forwarding to ingress).
 */
export async function startE2eSystem(o: { natsUrl: string; files: (base: string) => Record<string, string>; token: string; projectorToken?: boolean }): Promise<E2eSystem> {
  const stops: (() => Promise<unknown>)[] = [];
  let registry: TestRegistry | undefined;
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e) => console.error(e));
    if (registry) await removeLocalTags(registry.address).catch((e) => console.error(e));
  };
  try {
    await ensureDockerEngine();
    const base = await ensureBaseImage();
    registry = await startTestRegistry();
    stops.push(registry.stop);
    const git = createGitFixture("fruty_docker-ci");
    git.commit(o.files(base));

    const work = mkdtempSync(join(tmpdir(), "slipway-e2e-"));
    const logsDir = join(work, "logs");
    const ingressPort = await freePort();
    const projectorPort = await freePort();
    const ingressUrl = `http://127.0.0.1:${ingressPort}`;
    const common = { SLIPWAY_NATS_URL: o.natsUrl, SLIPWAY_LOG_LEVEL: "info" };
    const services: [string, Record<string, string>][] = [
      [
        "projector",
        {
          SLIPWAY_PROJECTOR_PORT: String(projectorPort),
          SLIPWAY_PROJECTOR_HOST: "127.0.0.1",
          SLIPWAY_PROJECTOR_DATA: join(work, "projector"),
          SLIPWAY_LOGS_DIR: logsDir,
          SLIPWAY_INGRESS_URL: ingressUrl,
          ...(o.projectorToken ? { SLIPWAY_API_TOKEN: o.token } : {}),
        },
      ],
      ["git-sync", { SLIPWAY_GIT_URL: join(git.root, "{name}.git"), SLIPWAY_GIT_DATA: join(work, "git-sync"), SLIPWAY_REGISTRY: registry.address }],
      ["builder", {}],
      ["ingress", { SLIPWAY_INGRESS_PORT: String(ingressPort), SLIPWAY_INGRESS_HOST: "127.0.0.1", SLIPWAY_API_TOKEN: o.token }],
    ];
    for (const [name, env] of services) {
      const svc: RunningService = await startService(name, { ...common, ...env });
      stops.push(svc.stop);
    }
    return { registry, git, base, ingressUrl, projectorUrl: `http://127.0.0.1:${projectorPort}`, logsDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
