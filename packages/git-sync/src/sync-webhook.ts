import type { JetStreamClient } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { ObjectStore } from "@nats-io/obj";
import { buildIdFor, publishEvent, stableId, type Event, type HandlerContext } from "@slipway/events";
import type { Logger } from "@slipway/service-kit";
import { buildNumberFor } from "./build-numbers.js";
import { UnsafeRepoNameError } from "./clone-url.js";
import { listRoot, resolveCommit } from "./commit.js";
import type { GitSyncConfig } from "./config.js";
import { contextObjectName, storeContext } from "./context-archive.js";
import { findDockerfiles } from "./dockerfiles.js";
import { SyncError, SyncErrorCode } from "./errors.js";
import { mirrorPath, syncMirror } from "./mirror.js";
import { planImages, tagsFor } from "./naming.js";

export type SyncDeps = { config: GitSyncConfig; js: JetStreamClient; contexts: ObjectStore; counters: KV; logger: Logger };

/**
 * One webhook: mirror the repo, store the commit's context, announce `RepoUpdated` and one
 * `BuildQueued` per Dockerfile. Every id derives from the delivery, so a redelivery republishes
 * the same ids and JetStream drops the repeats. A failure that retrying can't mend, or the last
 * retry, ends in `RepoSyncFailed`: an accepted webhook never just disappears.
 */
export async function syncWebhook(deps: SyncDeps, event: Event<"WebhookReceived">, ctx: HandlerContext): Promise<void> {
  const { data } = event;
  try {
    await syncAndQueue(deps, event);
  } catch (err) {
    const syncError = toSyncError(err);
    if (syncError.retryable && !ctx.lastAttempt) throw syncError;
    await reportSyncFailed(deps, event, syncError.code, syncError.message);
  }
}

/** The webhook's terminal failure; one id per delivery, so it is stored once whoever reports it. */
export async function reportSyncFailed(deps: Pick<SyncDeps, "js" | "logger">, event: Event<"WebhookReceived">, code: string, message: string): Promise<void> {
  const { data } = event;
  deps.logger.warn({ deliveryId: data.deliveryId, repo: data.repo.key, code, err: message }, "sync failed");
  await publishEvent(
    deps.js,
    "RepoSyncFailed",
    { deliveryId: data.deliveryId, repo: data.repo, ref: data.ref, code, message },
    { id: stableId("RepoSyncFailed", data.deliveryId), correlationId: event.correlationId, causationId: event.id },
  );
}

function toSyncError(err: unknown): SyncError {
  if (err instanceof SyncError) return err;
  if (err instanceof UnsafeRepoNameError) return new SyncError(SyncErrorCode.UnsafeName, err.message, false);
  // NATS or disk trouble: worth another try.
  return new SyncError(SyncErrorCode.FetchFailed, (err as Error).message ?? String(err), true, { cause: err });
}

async function syncAndQueue(deps: SyncDeps, event: Event<"WebhookReceived">): Promise<void> {
  const { config, js, contexts, counters, logger } = deps;
  const { data } = event;
  const url = config.gitUrl.render(data.repo);
  const path = mirrorPath(config.dataDir, data.repo.key);
  const git = await syncMirror(url, path);
  const commit = await resolveCommit(git, data.requestedSha, data.ref);
  const dockerfiles = findDockerfiles(await listRoot(git, commit.sha));
  const contextObject = contextObjectName(data.repo.key, commit.sha);
  const contextBytes = await storeContext(contexts, path, commit.sha, contextObject);
  const buildNumber = await buildNumberFor(counters, data.repo.key, data.deliveryId);
  const defaultBranch = data.defaultBranch ?? commit.defaultBranch;

  const links = (id: string) => ({ id, correlationId: event.correlationId, causationId: event.id });
  const updated = await publishEvent(
    js,
    "RepoUpdated",
    { deliveryId: data.deliveryId, repo: data.repo, ref: data.ref, branch: data.branch, sha: commit.sha, shaFromPayload: commit.fromPayload, defaultBranch, contextObject, contextBytes, dockerfiles, buildNumber },
    links(stableId("RepoUpdated", data.deliveryId)),
  );
  logger.info({ deliveryId: data.deliveryId, repo: data.repo.key, sha: commit.sha, dockerfiles }, "repo updated");

  const tags = tagsFor(commit.sha, buildNumber, data.branch, defaultBranch);
  const causedBy = (id: string) => ({ id, correlationId: event.correlationId, causationId: updated.event.id });
  for (const [dockerfile, naming] of planImages(data.repo.name, dockerfiles)) {
    const buildId = buildIdFor(data.deliveryId, dockerfile);
    if (!naming.ok) {
      await publishEvent(js, "BuildFailed", { buildId, stage: "naming", code: "IMAGE_NAME_INVALID", message: naming.reason, attempt: 0 }, causedBy(stableId("BuildFailed", buildId)));
      continue;
    }
    const image = `${config.registry}/${naming.name}`;
    await publishEvent(
      js,
      "BuildQueued",
      { buildId, deliveryId: data.deliveryId, repo: data.repo, sha: commit.sha, branch: data.branch, dockerfile, image, tags, buildNumber, contextObject },
      causedBy(stableId("BuildQueued", buildId)),
    );
  }
}
