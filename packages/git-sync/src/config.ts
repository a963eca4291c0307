import { resolve } from "node:path";
import { ConfigError, type StreamOptions } from "@slipway/events";
import { allowedRepos, bool, natsUrl, streamOptionsFrom, str, type Env, type RepoAllowList } from "@slipway/service-kit";
import { parseUrlTemplate, type UrlTemplate } from "./clone-url.js";

export type GitSyncConfig = Readonly<{
  natsUrl: string;
  /** Limits of the streams, for when this service is the first to create them. */
  streams: StreamOptions;
  /** Where clone URLs come from: never from the payload. */
  gitUrl: UrlTemplate;
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
}>;

export function loadConfig(env: Env = process.env): GitSyncConfig {
  const registry = str(env, "SLIPWAY_REGISTRY", "127.0.0.1:5500");
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._\/-]+)?$/.test(registry)) {
    throw new ConfigError(`SLIPWAY_REGISTRY=${JSON.stringify(registry)}: expected host[:port][/namespace]`);
  }
  return Object.freeze({
    natsUrl: natsUrl(env),
    streams: streamOptionsFrom(env),
    gitUrl: parseUrlTemplate(str(env, "SLIPWAY_GIT_URL", "https://github.com/{full_name}.git")),
    dataDir: resolve(str(env, "SLIPWAY_GIT_DATA", ".slipway/git-sync")),
    registry,
    allowedRepos: allowedRepos(env),
    imageOwnerPrefix: bool(env, "SLIPWAY_IMAGE_OWNER_PREFIX", false),
    autoCancelSuperseded: bool(env, "SLIPWAY_AUTO_CANCEL_SUPERSEDED", false),
  });
}
