import { ConfigError, type StreamOptions } from "@slipway/events";
import { allowedRepos, bool, guardedListenHost, int, natsUrl, port, secret, secretList, str, streamOptionsFrom, type Env, type RepoAllowList } from "@slipway/service-kit";
import { globList, type GlobList } from "./glob-list.js";

export type IngressConfig = Readonly<{
  natsUrl: string;
  /** Limits of the streams, for when this service is the first to create them. */
  streams: StreamOptions;
  host: string;
  port: number;
  /**
   * Every secret a signature may be made with (rotation: old and new at once); [] = seed mode,
   * unsigned hooks accepted, on a loopback address only unless explicitly allowed.
   */
  webhookSecrets: readonly string[];
  /**
   * Bearer token of the build control API (`POST /builds...`); null = the API is off and its
   * routes answer 503. Never logged (the logger redacts `*.apiToken`) nor returned.
   */
  apiToken: string | null;
  /** null = every repo allowed. */
  allowedRepos: RepoAllowList | null;
  /** Branches that build (`refs/heads/<branch>`). */
  branches: GlobList;
  /** Whether tag pushes build at all, and which tags. */
  buildTags: boolean;
  tags: GlobList;
  /** Largest accepted body; GitHub caps push payloads at 25 MB. */
  bodyLimitBytes: number;
  /** Body bytes all requests together may hold while being received and checked. */
  bodiesInFlightBytes: number;
  /** From connection to the end of the headers. */
  headersTimeoutMs: number;
  /** From connection to the end of the body. */
  requestTimeoutMs: number;
  /** A socket silent this long is closed (a stalled body, an idle keep-alive). */
  idleTimeoutMs: number;
}>;

const MiB = 1024 * 1024;

export function loadConfig(env: Env = process.env): IngressConfig {
  const webhookSecrets = secretList(env, "SLIPWAY_WEBHOOK_SECRET");
  // Without a secret anyone who reaches the port makes this host clone and build what they name.
  const { host } = guardedListenHost(env, {
    hostVar: "SLIPWAY_INGRESS_HOST",
    secured: webhookSecrets.length > 0,
    secretVar: "SLIPWAY_WEBHOOK_SECRET",
    insecureVar: "SLIPWAY_INGRESS_INSECURE_NO_SECRET",
    risk: "anyone who reaches the port could make this host build what they want",
  });
  const bodyLimitBytes = int(env, "SLIPWAY_INGRESS_BODY_LIMIT_BYTES", 25 * MiB, { min: 1024, max: 100 * MiB });
  const bodiesInFlightBytes = int(env, "SLIPWAY_INGRESS_BODIES_IN_FLIGHT_BYTES", 4 * bodyLimitBytes, { min: 1024 });
  if (bodiesInFlightBytes < bodyLimitBytes) {
    throw new ConfigError(`SLIPWAY_INGRESS_BODIES_IN_FLIGHT_BYTES=${bodiesInFlightBytes} is below the body limit (${bodyLimitBytes}): no body of the largest size could ever be received`);
  }
  const headersTimeoutMs = int(env, "SLIPWAY_INGRESS_HEADERS_TIMEOUT_MS", 10_000, { min: 100, max: 600_000 });
  const requestTimeoutMs = int(env, "SLIPWAY_INGRESS_REQUEST_TIMEOUT_MS", 30_000, { min: 100, max: 600_000 });
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`SLIPWAY_INGRESS_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed SLIPWAY_INGRESS_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  return Object.freeze({
    natsUrl: natsUrl(env),
    streams: streamOptionsFrom(env),
    host,
    port: port(env, "SLIPWAY_INGRESS_PORT", 6000),
    webhookSecrets: Object.freeze(webhookSecrets),
    apiToken: secret(env, "SLIPWAY_API_TOKEN"),
    allowedRepos: allowedRepos(env),
    branches: globList("SLIPWAY_BRANCHES", str(env, "SLIPWAY_BRANCHES", "**")),
    buildTags: bool(env, "SLIPWAY_BUILD_TAGS", true),
    tags: globList("SLIPWAY_TAGS", str(env, "SLIPWAY_TAGS", "**")),
    bodyLimitBytes,
    bodiesInFlightBytes,
    headersTimeoutMs,
    requestTimeoutMs,
    idleTimeoutMs: int(env, "SLIPWAY_INGRESS_IDLE_TIMEOUT_MS", 10_000, { min: 100, max: 600_000 }),
  });
}
