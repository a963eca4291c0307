import { ConfigError } from "@slipway/events";
import { int, natsUrl, port, str, type Env } from "@slipway/service-kit";
import { isAbsolute, join, resolve } from "node:path";
import { splitHostPort } from "../net.js";
import { repoRoot } from "../paths.js";

/**
 * The services `npm start` may run, in start order (all start at once; order only matters for the
 * summary). `github-status` runs only with a GitHub token (`serviceProcesses`).
 */
export const SERVICES = ["ingress", "git-sync", "builder", "projector", "github-status"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** One OS process the launcher runs: `name` labels its output and log file. */
export type ServiceProcess = { name: string; service: ServiceName };

/** What the launcher needs to know, read once from the environment. */
export type LauncherConfig = Readonly<{
  natsUrl: string;
  nats: { host: string; port: number };
  /** As image names use it: host:port, optionally /namespace. */
  registry: string;
  /** The registry server's host:port. */
  registryAddress: string;
  ingressPort: number;
  projectorPort: number;
  /** Builder processes to run (SLIPWAY_BUILDERS); each runs SLIPWAY_BUILD_CONCURRENCY builds at once. */
  builders: number;
  /** Whether commit statuses are posted: SLIPWAY_GITHUB_TOKEN or SLIPWAY_GITHUB_TOKEN_FILE is set. */
  githubStatus: boolean;
  /** SLIPWAY_API_TOKEN or its _FILE is set: the projector's routes then want `Authorization: Bearer`. */
  apiToken: boolean;
  /** Logs and data of what the launcher starts (SLIPWAY_STATE_DIR, default <repo>/.slipway). */
  stateDir: string;
  /** Env every service gets: ours plus the resolved shared settings, so all agree. */
  serviceEnv: Record<string, string>;
}>;

export function launcherConfig(env: Env = process.env): LauncherConfig {
  const url = natsUrl(env);
  const first = url.split(",")[0]?.trim() ?? "";
  let nats: { host: string; port: number };
  try {
    const parsed = new URL(first);
    nats = { host: parsed.hostname || "127.0.0.1", port: parsed.port ? Number(parsed.port) : 4222 };
  } catch {
    throw new ConfigError(`SLIPWAY_NATS_URL=${JSON.stringify(url)}: expected nats://HOST:PORT`);
  }
  const registry = str(env, "SLIPWAY_REGISTRY", "127.0.0.1:5500");
  let registryHost: { host: string; port: number };
  try {
    // git-sync also accepts host:port/namespace; the server itself is at host:port.
    registryHost = splitHostPort(registry.split("/")[0] ?? "");
  } catch (err) {
    throw new ConfigError(`SLIPWAY_REGISTRY: ${(err as Error).message}`);
  }
  const ingressPort = port(env, "SLIPWAY_INGRESS_PORT", 6000);
  const projectorPort = port(env, "SLIPWAY_PROJECTOR_PORT", 5000);
  const builders = int(env, "SLIPWAY_BUILDERS", 2, { min: 0, max: 64 });
  const state = str(env, "SLIPWAY_STATE_DIR", ".slipway");
  const stateDir = isAbsolute(state) ? state : resolve(repoRoot(), state);
  const inherited: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) inherited[k] = v;
  return Object.freeze({
    natsUrl: url,
    nats,
    registry,
    registryAddress: `${registryHost.host}:${registryHost.port}`,
    ingressPort,
    projectorPort,
    builders,
    // The service itself reads and checks the token; the launcher only needs to know it is there.
    githubStatus: Boolean(env.SLIPWAY_GITHUB_TOKEN || env.SLIPWAY_GITHUB_TOKEN_FILE),
    apiToken: Boolean(env.SLIPWAY_API_TOKEN || env.SLIPWAY_API_TOKEN_FILE),
    stateDir,
    serviceEnv: {
      // The services' own defaults, under the state dir so that one SLIPWAY_STATE_DIR moves everything.
      SLIPWAY_GIT_DATA: join(stateDir, "git-sync"),
      SLIPWAY_PROJECTOR_DATA: join(stateDir, "projector"),
      ...inherited,
      SLIPWAY_NATS_URL: url,
      SLIPWAY_REGISTRY: registry,
      SLIPWAY_INGRESS_PORT: String(ingressPort),
      SLIPWAY_PROJECTOR_PORT: String(projectorPort),
    },
  });
}

/**
 * The processes `npm start` runs: one of each service, `builders` builder processes, and
 * github-status only with a token (without one it could only refuse to start).
 */
export function serviceProcesses(config: Pick<LauncherConfig, "builders" | "githubStatus">): ServiceProcess[] {
  return SERVICES.flatMap((service): ServiceProcess[] => {
    if (service === "builder") return Array.from({ length: config.builders }, (_, i) => ({ name: config.builders > 1 ? `builder-${i + 1}` : "builder", service }));
    if (service === "github-status" && !config.githubStatus) return [];
    return [{ name: service, service }];
  });
}
