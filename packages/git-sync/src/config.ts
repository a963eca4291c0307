import { resolve } from "node:path";
import { ConfigError, type StreamOptions } from "@slipway/events";
import { allowedRepos, bool, int, natsUrl, streamOptionsFrom, str, type Env, type RepoAllowList } from "@slipway/service-kit";
import { parseUrlTemplate, type UrlTemplate } from "./clone-url.js";
import { loadGitCredentials, type GitCredentials } from "./git-credentials.js";

export type GitSyncConfig = Readonly<{
  natsUrl: string;
  /** Limits of the streams, for when this service is the first to create them. */
  streams: StreamOptions;
  /** Where clone URLs come from: never from the payload. */
  gitUrl: UrlTemplate;
  /** Token or deploy key for private repositories; printed, it shows "[redacted]". */
  gitCredentials: GitCredentials;
  /** This service's own disk: bare mirrors live here. */
  dataDir: string;
  /** Registry host[:port] the images are named for. */
  registry: string;
  /** null = every repo allowed; checked again here, so nothing unlisted is ever cloned. */
  allowedRepos: RepoAllowList | null;
  /** Name images `<owner>/<repo>` for pushes that name an owner, so owners never share a name. */
  imageOwnerPrefix: boolean;
  /** Ask to cancel the unfinished build a newer push of the same repo, branch and Dockerfile supersedes. */
  autoCancelSuperseded: boolean;
  /** A clone or fetch running longer is killed and fails GIT_TIMEOUT: a hung host can't hold a sync forever. */
  gitTimeoutMs: number;
  /** Largest build context (tar, after .dockerignore) stored; 0 = no limit. Larger ends in RepoSyncFailed. */
  contextMaxBytes: number;
  /** Put submodules (recursively) in build contexts: a checkout instead of `git archive`. */
  gitSubmodules: boolean;
  /** Webhooks synced at once (different repositories; one repository's pushes stay in order). */
  syncConcurrency: number;
}>;

/** 1 GiB: far above a sane context, low enough that a stray data folder fails instead of filling the store. */
export const DEFAULT_CONTEXT_MAX_BYTES = 1024 ** 3;

export function loadConfig(env: Env = process.env): GitSyncConfig {
  const registry = str(env, "SLIPWAY_REGISTRY", "127.0.0.1:5500");
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._\/-]+)?$/.test(registry)) {
    throw new ConfigError(`SLIPWAY_REGISTRY=${JSON.stringify(registry)}: expected host[:port][/namespace]`);
  }
  const gitUrl = parseUrlTemplate(str(env, "SLIPWAY_GIT_URL", "https://github.com/{full_name}.git"));
  return Object.freeze({
    natsUrl: natsUrl(env),
    streams: streamOptionsFrom(env),
    gitUrl,
    gitCredentials: loadGitCredentials(env, gitUrl.template),
    dataDir: resolve(str(env, "SLIPWAY_GIT_DATA", ".slipway/git-sync")),
    registry,
    allowedRepos: allowedRepos(env),
    imageOwnerPrefix: bool(env, "SLIPWAY_IMAGE_OWNER_PREFIX", false),
    autoCancelSuperseded: bool(env, "SLIPWAY_AUTO_CANCEL_SUPERSEDED", false),
    gitTimeoutMs: int(env, "SLIPWAY_GIT_TIMEOUT_SECONDS", 300, { min: 1, max: 86_400 }) * 1000,
    contextMaxBytes: int(env, "SLIPWAY_CONTEXT_MAX_BYTES", DEFAULT_CONTEXT_MAX_BYTES),
    gitSubmodules: bool(env, "SLIPWAY_GIT_SUBMODULES", false),
    syncConcurrency: int(env, "SLIPWAY_GIT_SYNC_CONCURRENCY", 4, { min: 1, max: 64 }),
  });
}
