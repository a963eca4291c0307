import type { BuildFailed, BuildQueued, ImageBuilt, ImagePushed } from "@slipway/events";
import { BuildStatus, isTerminal, type BuildView, type DeliveryView } from "./read-model.js";

/**
 * How each build event changes a BuildView: pure functions from the previous view to the next.
 *
 * Attempt rule (redelivery races): a builder that was thought dead may still publish after
 * another builder took over. A terminal state is therefore only left for an attempt never seen
 * before (`attempt > attempts`); a late event of an older or the same attempt is recorded in
 * `events` but does not change the status. `cancelled` is final: an operator's decision.
 */

/** A build seen before its BuildQueued (e.g. a BuildFailed of a naming error): what we know. */
export function minimalBuild(buildId: string, deliveryId: string, time: string, delivery: DeliveryView | undefined): BuildView {
  return {
    id: buildId,
    status: BuildStatus.queued,
    repo: delivery?.repo ?? "",
    repoName: delivery?.repoName ?? "",
    dockerfile: "",
    image: "",
    tags: [],
    digest: null,
    imageId: null,
    sha: delivery?.sha ?? "",
    branch: delivery?.branch ?? null,
    buildNumber: delivery?.buildNumber ?? 0,
    deliveryId,
    error: null,
    queuedAt: time,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    attempts: 0,
    events: [],
  };
}

function durationMs(startedAt: string | null, finishedAt: string | null): number | null {
  if (startedAt === null || finishedAt === null) return null;
  return Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt));
}

/** Whether an event of `attempt` starts a new attempt (which may leave a terminal state). */
function isNewAttempt(b: BuildView, attempt: number): boolean {
  return attempt > b.attempts && b.status !== BuildStatus.cancelled;
}

/** Fields that belong to one attempt, cleared when a newer attempt shows up. */
function enterAttempt(b: BuildView, attempt: number, startedAt: string | null): BuildView {
  return { ...b, status: BuildStatus.running, attempts: attempt, startedAt, finishedAt: null, durationMs: null, error: null, imageId: null, digest: null };
}

export function queued(b: BuildView, d: BuildQueued, time: string): BuildView {
  // The static facts of the build; a status already past `queued` (a failure that arrived
  // first) is kept.
  return {
    ...b,
    repo: d.repo.key,
    repoName: d.repo.name,
    dockerfile: d.dockerfile,
    image: d.image,
    tags: b.status === BuildStatus.succeeded ? b.tags : [...d.tags],
    sha: d.sha,
    branch: d.branch,
    buildNumber: d.buildNumber,
    deliveryId: d.deliveryId,
    queuedAt: time,
    durationMs: durationMs(b.startedAt, b.finishedAt),
  };
}

export function started(b: BuildView, attempt: number, time: string): BuildView {
  if (isNewAttempt(b, attempt)) return enterAttempt(b, attempt, time);
  if (attempt === b.attempts && !isTerminal(b.status)) {
    return { ...b, status: BuildStatus.running, startedAt: b.startedAt ?? time };
  }
  return b;
}

export function built(b: BuildView, d: ImageBuilt): BuildView {
  const current = isNewAttempt(b, d.attempt) ? enterAttempt(b, d.attempt, null) : b;
  if (d.attempt !== current.attempts || current.status === BuildStatus.cancelled) return current;
  return { ...current, imageId: d.imageId, status: isTerminal(current.status) ? current.status : BuildStatus.running };
}

/** Whether a terminal event of `attempt` may set the outcome: the first one wins, unless it is newer. */
function mayFinish(b: BuildView, attempt: number): boolean {
  return !isTerminal(b.status) || isNewAttempt(b, attempt);
}

export function pushed(b: BuildView, d: ImagePushed, time: string): BuildView {
  if (!mayFinish(b, d.attempt)) return b;
  const current = isNewAttempt(b, d.attempt) ? enterAttempt(b, d.attempt, null) : b;
  return {
    ...current,
    status: BuildStatus.succeeded,
    image: d.image,
    tags: d.tags.length > 0 ? [...d.tags] : current.tags,
    digest: d.digest,
    error: null,
    finishedAt: time,
    durationMs: durationMs(current.startedAt, time),
  };
}

export function failed(b: BuildView, d: BuildFailed, time: string): BuildView {
  if (!mayFinish(b, d.attempt)) return b;
  const current = isNewAttempt(b, d.attempt) ? enterAttempt(b, d.attempt, null) : b;
  return {
    ...current,
    status: BuildStatus.failed,
    error: { stage: d.stage, code: d.code, message: d.message },
    finishedAt: time,
    durationMs: durationMs(current.startedAt, time),
  };
}

export function cancelled(b: BuildView, time: string): BuildView {
  if (isTerminal(b.status)) return b;
  return { ...b, status: BuildStatus.cancelled, finishedAt: time, durationMs: durationMs(b.startedAt, time) };
}
