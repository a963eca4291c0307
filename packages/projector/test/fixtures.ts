import { createEvent, type Event, type EventData, type EventType } from "@slipway/events";
import type { ReadModelAccessor } from "../src/projection-state.js";

/** Test events: valid by construction (createEvent checks the schema), with readable ids and times. */
export const DELIVERY = "delivery-1";
export const BUILD = "b0000000000000a1";
export const SHA = "a".repeat(40);
export const DIGEST = "sha256:" + "d".repeat(64);
export const REPO = { key: "fruty/docker-ci", name: "docker-ci", owner: "fruty" };

/** `t(5)` = 5 seconds after a fixed instant, so times and durations are exact. */
export function t(seconds: number): Date {
  return new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + seconds * 1000);
}

export function ev<T extends EventType>(type: T, data: EventData<T>, id: string, at = t(0), correlationId = DELIVERY): Event<T> {
  return createEvent(type, data, { id, correlationId, causationId: null }, at);
}

export const queued = (at = t(0), buildId = BUILD, extra: Partial<EventData<"BuildQueued">> = {}) =>
  ev(
    "BuildQueued",
    {
      buildId,
      deliveryId: DELIVERY,
      repo: REPO,
      sha: SHA,
      branch: "main",
      dockerfile: "Dockerfile",
      image: "127.0.0.1:5500/docker-ci",
      tags: [SHA, "7", "main", "latest"],
      buildNumber: 7,
      contextObject: "ctx",
      ...extra,
    },
    `q-${buildId}`,
    at,
  );
export const started = (attempt = 1, at = t(1), buildId = BUILD) =>
  ev("BuildStarted", { buildId, builder: "host:1", attempt }, `s-${buildId}-${attempt}`, at);
export const built = (attempt = 1, at = t(5), buildId = BUILD) =>
  ev("ImageBuilt", { buildId, imageId: `sha256:img${attempt}`, attempt }, `i-${buildId}-${attempt}`, at);
export const pushed = (attempt = 1, at = t(6), buildId = BUILD) =>
  ev("ImagePushed", { buildId, image: "127.0.0.1:5500/docker-ci", tags: [SHA, "7", "main", "latest"], digest: DIGEST, attempt }, `p-${buildId}-${attempt}`, at);
export const failed = (attempt = 1, at = t(4), buildId = BUILD) =>
  ev("BuildFailed", { buildId, stage: "build", code: "DOCKER_BUILD_FAILED", message: "The command '/bin/sh -c false' returned a non-zero code: 1", attempt }, `f-${buildId}-${attempt}`, at);
export const cancelledEv = (at = t(2), buildId = BUILD) => ev("BuildCancelled", { buildId, reason: "operator" }, `c-${buildId}`, at);
export const handedBackEv = (attempt = 1, at = t(3), buildId = BUILD) =>
  ev("BuildHandedBack", { buildId, attempt, builder: "host:1", reason: "builder stopping" }, `h-${buildId}-${attempt}`, at);
export const cancelRequestedEv = (by = "alice", at = t(2), buildId = BUILD) =>
  ev("BuildCancelRequested", { buildId, requestedBy: by, reason: "wrong commit" }, `cr-${buildId}-${by}`, at);
export const cancelledBy = (by = "alice", attempt = 1, at = t(3), buildId = BUILD) =>
  ev("BuildCancelled", { buildId, reason: "wrong commit", requestedBy: by, attempt }, `c-${buildId}`, at);
export const logChunk = (offset: number, text: string, attempt = 1, buildId = BUILD) =>
  ev("BuildLogChunk", { buildId, attempt, seq: offset, offset, text }, `l-${buildId}-${attempt}-${offset}`, t(2));
export const webhook = (at = t(-2)) =>
  ev("WebhookReceived", { deliveryId: DELIVERY, source: "push", repo: REPO, ref: "refs/heads/main", branch: "main", requestedSha: SHA, defaultBranch: "main", pusher: "fruty" }, `w-${DELIVERY}`, at);
export const repoUpdated = (at = t(-1)) =>
  ev(
    "RepoUpdated",
    { deliveryId: DELIVERY, repo: REPO, ref: "refs/heads/main", branch: "main", sha: SHA, shaFromPayload: true, defaultBranch: "main", contextObject: "ctx", contextBytes: 10, dockerfiles: ["Dockerfile"], buildNumber: 7 },
    `r-${DELIVERY}`,
    at,
  );
export const syncFailed = (at = t(-1)) =>
  ev("RepoSyncFailed", { deliveryId: DELIVERY, repo: REPO, ref: "refs/heads/main", code: "GIT_FETCH_FAILED", message: "repository not found" }, `rf-${DELIVERY}`, at);
export const IGNORED_MESSAGE = "the head commit's message says [skip ci]: not built";
export const ignoredWebhook = (at = t(-2), extra: Partial<EventData<"WebhookIgnored">> = {}) => {
  const data = { deliveryId: DELIVERY, source: "push", repo: REPO, ref: "refs/heads/main", branch: "main", requestedSha: SHA, pusher: "fruty", reason: "skip-ci", message: IGNORED_MESSAGE, ...extra } as const;
  return ev("WebhookIgnored", data, `wi-${data.deliveryId}`, at, data.deliveryId);
};

/** Every build id in a view, sorted (test views are small: one page holds them). */
export function viewBuildIds(state: ReadModelAccessor): string[] {
  return state.read((v) => v.queries.listBuilds({ filters: {}, cursor: null, limit: 1000 }).builds.map((b) => b.id)).sort();
}
