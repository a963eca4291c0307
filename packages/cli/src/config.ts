import { userInfo } from "node:os";
import { ConfigError } from "@slipway/events";
import { secret } from "@slipway/service-kit";
import { UsageError } from "./errors.js";

/** Where the CLI finds the system and who it says it is: from the environment, like the services. */
export type CliConfig = Readonly<{
  /** The projector's base URL, no trailing slash: reads, live streams, and the forwarded build control API. */
  projectorUrl: string;
  /** NATS, for `watch`, `status` and `replay --out`. */
  natsUrl: string;
  /** Ingress, for `status` only (read with node:http: fetch refuses port 6000). */
  ingressUrl: string;
  /**
   * The API token, read when a command needs it: an unreadable SLIPWAY_API_TOKEN_FILE should not
   * stop `watch`, which never sends it.
   */
  token: () => string | null;
  /** `X-Slipway-User` for the build control API; null = not sent (ingress then says `api`). */
  user: string | null;
  /** Colours on stdout: a terminal, and NO_COLOR unset (https://no-color.org). */
  color: boolean;
  json: boolean;
}>;

/** Options every command takes (`slipway --json builds` and `slipway builds --json` alike). */
export type GlobalOptions = { url?: string; nats?: string; json?: boolean };

/** The header's grammar, as ingress checks it: a name outside it would make every request a 400. */
const USER = /^[A-Za-z0-9._@+-]{1,100}$/;

/** `SLIPWAY_USER`, else the login name, when ingress would take it. */
export function callerName(env: NodeJS.ProcessEnv, osUser: () => string = () => userInfo().username): string | null {
  let name = env.SLIPWAY_USER;
  if (name === undefined || name === "") {
    try {
      name = osUser();
    } catch {
      return null; // No passwd entry (a container's random uid): send nothing rather than fail.
    }
  }
  return USER.test(name) ? name : null;
}

/** A base URL as given, checked, without its trailing slashes. */
export function baseUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${what}: ${JSON.stringify(value)} is not a URL (expected e.g. http://127.0.0.1:5000)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${what}: ${JSON.stringify(value)} is not an http(s) URL`);
  return value.replace(/\/+$/, "");
}

/** SLIPWAY_API_TOKEN or the file SLIPWAY_API_TOKEN_FILE names; a bad file is a usage error. */
function apiToken(env: NodeJS.ProcessEnv): string | null {
  try {
    return secret(env, "SLIPWAY_API_TOKEN");
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv, options: GlobalOptions, stdoutIsTty: boolean): CliConfig {
  const projector = options.url ?? (env.SLIPWAY_PROJECTOR_URL || `http://127.0.0.1:${env.SLIPWAY_PROJECTOR_PORT || "5000"}`);
  const json = options.json === true;
  return Object.freeze({
    projectorUrl: baseUrl(projector, options.url !== undefined ? "--url" : "SLIPWAY_PROJECTOR_URL"),
    natsUrl: options.nats ?? (env.SLIPWAY_NATS_URL || "nats://127.0.0.1:4222"),
    ingressUrl: baseUrl(env.SLIPWAY_INGRESS_URL || `http://127.0.0.1:${env.SLIPWAY_INGRESS_PORT || "6000"}`, "SLIPWAY_INGRESS_URL"),
    token: () => apiToken(env),
    user: callerName(env),
    color: !json && stdoutIsTty && (env.NO_COLOR === undefined || env.NO_COLOR === ""),
    json,
  });
}
