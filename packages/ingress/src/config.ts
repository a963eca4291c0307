import { natsUrl, port, secret, str, type Env } from "@slipway/service-kit";
import { parseRepoGlobs, type RepoAllowList } from "./allow-list.js";

export type IngressConfig = Readonly<{
  natsUrl: string;
  host: string;
  port: number;
  /** null = seed mode: unsigned hooks accepted, with a loud warning at start. */
  webhookSecret: string | null;
  /** null = every repo allowed. */
  allowedRepos: RepoAllowList | null;
  /** Largest accepted body; GitHub caps push payloads at 25 MB. */
  bodyLimitBytes: number;
}>;

export function loadConfig(env: Env = process.env): IngressConfig {
  const globs = str(env, "SLIPWAY_ALLOWED_REPOS", "");
  return Object.freeze({
    natsUrl: natsUrl(env),
    host: str(env, "SLIPWAY_INGRESS_HOST", "0.0.0.0"),
    port: port(env, "SLIPWAY_INGRESS_PORT", 6000),
    webhookSecret: secret(env, "SLIPWAY_WEBHOOK_SECRET"),
    allowedRepos: globs ? parseRepoGlobs(globs) : null,
    bodyLimitBytes: 25 * 1024 * 1024,
  });
}
