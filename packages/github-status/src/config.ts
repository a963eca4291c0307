import { ConfigError, type StreamOptions } from "@slipway/events";
import { int, natsUrl, secret, str, streamOptionsFrom, type Env } from "@slipway/service-kit";

/** The service's settings, read once from the environment. */
export type GithubStatusConfig = Readonly<{
  natsUrl: string;
  /** Limits of the streams, for when this service is the first to create them. */
  streams: StreamOptions;
  /** A token that may write commit statuses (`repo:status`, or "Commit statuses: write"). Never logged. */
  token: string;
  /** GitHub's REST API, without a trailing `/`; GitHub Enterprise Server: `https://HOST/api/v3`. */
  apiUrl: string;
  /** Where the build pages are, for each status's link; null = statuses without a link. */
  publicUrl: string | null;
  /** Contexts are `<prefix>/<Dockerfile>`. */
  contextPrefix: string;
  /** Quick retries of a 5xx or network error before the event is given back for later. */
  retries: number;
  retryDelayMs: number;
  /** One request's time limit. */
  requestTimeoutMs: number;
}>;

export const DEFAULT_API_URL = "https://api.github.com";

/** An http(s) URL without a trailing `/`; anything else names the variable. */
function httpUrl(env: Env, name: string, fallback: string | null): string | null {
  const raw = str(env, name, fallback ?? "");
  if (raw === "") return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name}=${JSON.stringify(raw)}: expected an http(s) URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(`${name}=${JSON.stringify(raw)}: expected an http(s) URL`);
  if (url.username || url.password) throw new ConfigError(`${name}: no credentials in the URL`);
  if (url.search || url.hash) throw new ConfigError(`${name}=${JSON.stringify(raw)}: no query or fragment`);
  return url.href.replace(/\/+$/, "");
}

/** Throws ConfigError naming the variable at fault; refuses to start without a token. */
export function loadConfig(env: Env = process.env): GithubStatusConfig {
  const token = secret(env, "SLIPWAY_GITHUB_TOKEN");
  if (token === null || token.trim() === "") {
    throw new ConfigError("SLIPWAY_GITHUB_TOKEN (or SLIPWAY_GITHUB_TOKEN_FILE) is not set: commit statuses need a token that may write them");
  }
  const contextPrefix = str(env, "SLIPWAY_GITHUB_STATUS_CONTEXT_PREFIX", "slipway").trim().replace(/\/+$/, "");
  if (contextPrefix === "" || contextPrefix.length > 100) throw new ConfigError("SLIPWAY_GITHUB_STATUS_CONTEXT_PREFIX: expected 1 to 100 characters");
  return Object.freeze({
    natsUrl: natsUrl(env),
    streams: streamOptionsFrom(env),
    token: token.trim(),
    apiUrl: httpUrl(env, "SLIPWAY_GITHUB_API_URL", DEFAULT_API_URL) ?? DEFAULT_API_URL,
    publicUrl: httpUrl(env, "SLIPWAY_PUBLIC_URL", null),
    contextPrefix,
    retries: int(env, "SLIPWAY_GITHUB_RETRIES", 3, { min: 0, max: 10 }),
    retryDelayMs: int(env, "SLIPWAY_GITHUB_RETRY_DELAY_MS", 1000, { min: 1, max: 60_000 }),
    requestTimeoutMs: int(env, "SLIPWAY_GITHUB_TIMEOUT_MS", 15_000, { min: 100, max: 120_000 }),
  });
}
