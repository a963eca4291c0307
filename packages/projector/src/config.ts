import { resolve } from "node:path";
import { ConfigError, DEFAULT_PROJECTOR_NAME, projectorNameProblem, type StreamOptions } from "@slipway/events";
import { guardedListenHost, int, natsUrl, port, secret, str, streamOptionsFrom, type Env } from "@slipway/service-kit";

/** The projector's settings, read once from the environment. */
export type ProjectorConfig = Readonly<{
  natsUrl: string;
  /** Limits of the streams, for when this service is the first to create them. */
  streams: StreamOptions;
  /** Names its durables (`<name>`, `<name>-logs`) and its default state folder. */
  name: string;
  host: string;
  port: number;
  /**
   * Bearer token every route but `/healthz` requires; null = none, and then the API listens on
   * loopback only unless `insecureNoToken`. Never logged (the logger redacts `config.apiToken`).
   */
  apiToken: string | null;
  /** Listening beyond loopback without a token, as SLIPWAY_PROJECTOR_INSECURE_NO_TOKEN allowed. */
  insecureNoToken: boolean;
  /** The read model, its checkpoint and the log writer's bookkeeping (absolute). */
  dataDir: string;
  /** Where `<buildId>.log` files are written, and nothing else (absolute). */
  logsDir: string;
  /** Longest wait before applied events are persisted and acked. */
  flushIntervalMs: number;
  /** Persist at once when this many messages wait. */
  flushMaxMessages: number;
  /** `GET /readyz` answers 503 while a durable has more messages than this pending or unacked. */
  readyMaxLag: number;
  /** Ingress's base URL, where `POST /builds`, retry and cancel are forwarded (the dashboard's actions). */
  ingressUrl: string;
}>;

/**
 * `SLIPWAY_INGRESS_URL`: an http(s) origin, nothing after it (the control routes keep their own
 * paths), no credentials (the caller's token is passed on instead). Default: this host at
 * `SLIPWAY_INGRESS_PORT` (6000), where `npm start` runs ingress.
 */
export function ingressUrl(env: Env): string {
  const raw = str(env, "SLIPWAY_INGRESS_URL", `http://127.0.0.1:${port(env, "SLIPWAY_INGRESS_PORT", 6000)}`);
  const problem = (why: string) => new ConfigError(`SLIPWAY_INGRESS_URL=${JSON.stringify(raw)}: ${why}, e.g. http://127.0.0.1:6000`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw problem("not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw problem("expected an http:// or https:// URL");
  if (url.username !== "" || url.password !== "") throw problem("credentials do not belong in the URL (the caller's token is passed on)");
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") throw problem("expected ingress's origin only, without a path, query or fragment");
  return url.origin;
}

/**
 * The state folder of a projector without SLIPWAY_PROJECTOR_DATA: the default projector keeps the
 * folder it always had; another name gets its own, so two projectors on one host never share one.
 */
export function defaultDataDir(name: string): string {
  return name === DEFAULT_PROJECTOR_NAME ? ".slipway/projector" : `.slipway/projector-${name}`;
}

/** Throws ConfigError naming the variable at fault. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): ProjectorConfig {
  const name = str(env, "SLIPWAY_PROJECTOR_NAME", DEFAULT_PROJECTOR_NAME);
  const problem = projectorNameProblem(name);
  if (problem !== null) throw new ConfigError(`SLIPWAY_PROJECTOR_NAME=${JSON.stringify(name)}: ${problem}`);
  const apiToken = secret(env, "SLIPWAY_API_TOKEN");
  // Without a token, anyone reaching the port reads every build's log, commits and deliveries.
  const { host, insecure } = guardedListenHost(env, {
    hostVar: "SLIPWAY_PROJECTOR_HOST",
    secured: apiToken !== null,
    secretVar: "SLIPWAY_API_TOKEN",
    insecureVar: "SLIPWAY_PROJECTOR_INSECURE_NO_TOKEN",
    risk: "anyone who reaches the port could read every build's log, commits and deliveries",
  });
  return Object.freeze({
    natsUrl: natsUrl(env),
    streams: streamOptionsFrom(env),
    name,
    host,
    port: port(env, "SLIPWAY_PROJECTOR_PORT", 5000),
    apiToken,
    insecureNoToken: insecure,
    dataDir: resolve(cwd, str(env, "SLIPWAY_PROJECTOR_DATA", defaultDataDir(name))),
    logsDir: resolve(cwd, str(env, "SLIPWAY_LOGS_DIR", "logs")),
    flushIntervalMs: int(env, "SLIPWAY_PROJECTOR_FLUSH_MS", 100, { min: 1, max: 60_000 }),
    // Stays below the durable's max_ack_pending (PROJECTOR_MAX_ACK_PENDING).
    flushMaxMessages: int(env, "SLIPWAY_PROJECTOR_FLUSH_MAX", 2000, { min: 1, max: 9000 }),
    readyMaxLag: int(env, "SLIPWAY_PROJECTOR_READY_MAX_LAG", 1000, { min: 0 }),
    ingressUrl: ingressUrl(env),
  });
}
