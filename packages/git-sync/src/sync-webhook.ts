import type { JetStreamClient } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { ObjectStore } from "@nats-io/obj";
import { buildIdFor, eventIds, InvalidEventError, publishEvent, SlipwayError, type Event } from "@slipway/events";
import type { Logger } from "@slipway/service-kit";
import { buildNumberFor } from "./build-numbers.js";
import { UnsafeRepoNameError } from "./clone-url.js";
import type { GitSyncConfig } from "./config.js";
import { storePushContexts } from "./commit-contexts.js";
import type { KnownBlobs } from "./stored-blobs.js";
import { prepareGitAccess } from "./git-auth.js";
import { NamingErrorCode, SyncError, SyncErrorCode } from "./errors.js";
import { claimImageName, takenReason } from "./image-claims.js";
import { maintainMirror, mirrorPath, syncMirror } from "./mirror.js";
import { planImages, tagsFor } from "./naming.js";
import { redactUrl } from "./redact.js";
import { cancelSuperseded, type SupersedeDeps } from "./supersede.js";
import type { ObjectWriter } from "./object-writer.js";

export type SyncDeps = {
  config: GitSyncConfig;
  js: JetStreamClient;
  contexts: ObjectStore;
  /** Writes contexts into `contexts`' bucket, several chunks in flight. */
  contextWriter: ObjectWriter;
  /** Large files of contexts this process stored or found lately. */
  knownBlobs: KnownBlobs;
  counters: KV;
  deliveries: KV;
  /** Image name -> the repository that claimed it. */
  imageOwners: KV;
  logger: Logger;
  /** Present when SLIPWAY_AUTO_CANCEL_SUPERSEDED is on. */
  supersede: Omit<SupersedeDeps, "js" | "logger"> | null;
};

/** What a sync got done before it failed: after `RepoUpdated`, the verdicts are per build. */
type Progress = { dockerfiles: string[] | null; queued: Set<string> };

/**
 * One webhook: mirror the repo, store the commit's context, announce `RepoUpdated` and one
 * `BuildQueued` per Dockerfile. Every id derives from the delivery, so a redelivery republishes
 * the same ids and JetStream drops the repeats. A failure that retrying can't mend, or the last
 * retry, ends in `RepoSyncFailed`: an accepted webhook never just disappears.
 */
export async function syncWebhook(deps: SyncDeps, event: Event<"WebhookReceived">, ctx: { lastAttempt: boolean }): Promise<void> {
  const progress: Progress = { dockerfiles: null, queued: new Set() };
  try {
    await syncAndQueue(deps, event, progress);
  } catch (err) {
    const syncError = toSyncError(err);
    // The consume loop logs an expected failure as code + reason, anything else (a bug) with its stack.
    if (syncError.retryable && !ctx.lastAttempt) throw err instanceof SlipwayError ? syncError : err;
    deps.logger[err instanceof SlipwayError ? "debug" : "error"]({ deliveryId: event.data.deliveryId, err }, "sync failure, with its stack");
    if (progress.dockerfiles === null) return reportSyncFailed(deps, event, syncError.code, syncError.message);
    // RepoUpdated announced these builds: each one not queued yet ends as its own BuildFailed.
    for (const dockerfile of progress.dockerfiles.filter((d) => !progress.queued.has(d))) {
      const buildId = buildIdFor(event.data.deliveryId, dockerfile);
      const message = `${dockerfile} could not be queued: ${syncError.message}`;
      await publishEvent(deps.js, "BuildFailed", { buildId, stage: "infrastructure", code: syncError.code, message, attempt: 0 }, {
        id: eventIds.verdict(buildId),
        correlationId: event.correlationId,
        causationId: event.id,
      });
    }
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
    { id: eventIds.repoSyncFailed(data.deliveryId), correlationId: event.correlationId, causationId: event.id },
  );
}

function toSyncError(err: unknown): SyncError {
  if (err instanceof SyncError) return err;
  if (err instanceof UnsafeRepoNameError) return new SyncError(SyncErrorCode.UnsafeName, err.message, false);
  // A bug of ours (an event we built does not match its schema): retrying makes the same event.
  if (err instanceof InvalidEventError) return new SyncError(SyncErrorCode.Unexpected, err.message, false);
  // NATS or disk trouble: worth another try.
  return new SyncError(SyncErrorCode.Unexpected, err instanceof Error ? err.message : String(err), true, { cause: err });
}

async function syncAndQueue(deps: SyncDeps, event: Event<"WebhookReceived">, progress: Progress): Promise<void> {
  const { config, js, contexts, contextWriter, knownBlobs, counters, deliveries, imageOwners, logger } = deps;
  const { data } = event;
  if (config.allowedRepos && !config.allowedRepos.allows(data.repo)) {
    throw new SyncError(SyncErrorCode.NotAllowed, `repository ${data.repo.key} is not in SLIPWAY_ALLOWED_REPOS`, false);
  }
  const url = config.gitUrl.render(data.repo);
  const path = mirrorPath(config.dataDir, data.repo.key);
  const access = await prepareGitAccess(config.gitCredentials);
  const gitOptions = { timeoutMs: config.gitTimeoutMs, env: access.env, config: access.config };
  const git = await syncMirror(url, path, { ...gitOptions, logger: logger.child({ deliveryId: data.deliveryId, repo: data.repo.key }) });
  // One context per ignore file in use (.dockerignore, <Dockerfile>.dockerignore): see context-plan.ts.
  const { commit, dockerfiles, stored } = await storePushContexts({ config, contexts, contextWriter, knownBlobs, git, mirror: path, url, access }, data.repo.key, data.requestedSha, data.ref, data.defaultBranch === null);
  const contextOf = new Map(stored.flatMap((c) => c.dockerfiles.map((d) => [d, c.object] as const)));
  const { object: contextObject, bytes: contextBytes } = stored[0]!;
  const buildNumber = await buildNumberFor(counters, deliveries, data.repo.key, data.deliveryId);
  const defaultBranch = data.defaultBranch ?? commit.defaultBranch;

  const links = (id: string) => ({ id, correlationId: event.correlationId, causationId: event.id });
  const updated = await publishEvent(
    js,
    "RepoUpdated",
    { deliveryId: data.deliveryId, repo: data.repo, ref: data.ref, branch: data.branch, sha: commit.sha, shaFromPayload: commit.fromPayload, defaultBranch, contextObject, contextBytes, dockerfiles, buildNumber, contexts: stored.map((c) => ({ ...c, dockerfiles: [...c.dockerfiles] })) },
    links(eventIds.repoUpdated(data.deliveryId)),
  );
  progress.dockerfiles = dockerfiles;
  logger.info({ deliveryId: data.deliveryId, repo: data.repo.key, sha: commit.sha, dockerfiles }, "repo updated");

  const tags = tagsFor(commit.sha, buildNumber, data.branch, defaultBranch);
  const causedBy = (id: string) => ({ id, correlationId: event.correlationId, causationId: updated.event.id });
  const ownerPrefix = config.imageOwnerPrefix ? data.repo.owner : null;
  for (const [dockerfile, naming] of planImages(data.repo.name, dockerfiles, ownerPrefix)) {
    const buildId = buildIdFor(data.deliveryId, dockerfile);
    // A Dockerfile that may not be built ends in its own BuildFailed; the push's others go on.
    const refuse = async (code: NamingErrorCode, message: string) => {
      logger.warn({ deliveryId: data.deliveryId, repo: data.repo.key, dockerfile, code, err: message }, "image not built");
      await publishEvent(js, "BuildFailed", { buildId, stage: "naming", code, message, attempt: 0 }, causedBy(eventIds.verdict(buildId)));
      progress.queued.add(dockerfile);
    };
    if (!naming.ok) {
      await refuse(NamingErrorCode.Invalid, naming.reason);
      continue;
    }
    const image = `${config.registry}/${naming.name}`;
    const claim = await claimImageName(imageOwners, image, data.repo.key);
    if (!claim.ok) {
      await refuse(NamingErrorCode.Taken, takenReason(dockerfile, image, claim.owner, data.repo.key));
      continue;
    }
    const queued = await publishEvent(
      js,
      "BuildQueued",
      { buildId, deliveryId: data.deliveryId, repo: data.repo, sha: commit.sha, branch: data.branch, dockerfile, image, tags, buildNumber, contextObject: contextOf.get(dockerfile) ?? contextObject, source: redactUrl(url) },
      causedBy(eventIds.buildQueued(buildId)),
    );
    progress.queued.add(dockerfile);
    if (deps.supersede) await cancelSuperseded({ ...deps.supersede, js, logger }, queued.event);
  }
  // The builds are queued: git's housekeeping of the mirror no longer delays them. Its failure
  // (a disk full) leaves the mirror as it was, and the next sync tries again.
  await maintainMirror(path, gitOptions).catch((err: unknown) => logger.warn({ deliveryId: data.deliveryId, repo: data.repo.key, err: (err as Error).message }, "mirror housekeeping failed"));
}
