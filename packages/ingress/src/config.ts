import type { StreamOptions } from "@slipway/events";
import { allowedRepos, natsUrl, streamOptionsFrom, port, secret, str, type Env, type RepoAllowList } from "@slipway/service-kit";

export type IngressConfig = Readonly<{
  natsUrl: string;
  /** Limits of the streams, for when this service is the first to create them. */
  streams: StreamOptions;
  host: string;
  port: number;
  /** null = seed mode: unsigned hooks accepted, with a loud warning at start. */
  webhookSecret: string | null;
  /**
   * Bearer token of the build control API (`POST /builds...`); null = the API is off and its
   * routes answer 503. Never logged (the logger redacts `*.apiToken`) nor returned.
   */
  apiToken: string | null;
  /** null = every repo allowed. */
  allowedRepos: RepoAllowList | null;
  /** Largest accepted body; GitHub caps push payloads at 25 MB. */
  bodyLimitBytes: number;
}>;

export function loadConfig(env: Env = process.env): IngressConfig {
  return Object.freeze({
    natsUrl: natsUrl(env),
    streams: streamOptionsFrom(env),
    host: str(env, "SLIPWAY_INGRESS_HOST", "0.0.0.0"),
    port: port(env, "SLIPWAY_INGRESS_PORT", 6000),
    webhookSecret: secret(env, "SLIPWAY_WEBHOOK_SECRET"),
    apiToken: secret(env, "SLIPWAY_API_TOKEN"),
    allowedRepos: allowedRepos(env),
    bodyLimitBytes: 25 * 1024 * 1024,
  });
}
