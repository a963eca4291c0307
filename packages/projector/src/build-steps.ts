import type { BuildCancelled, BuildFailed, BuildQueued, ImageBuilt, ImagePushed } from "@slipway/events";
import { BuildStatus, isTerminal, type BuildView, type DeliveryView } from "./read-model.js";

/**
 * How each build event changes a BuildView: pure functions from the previous view to the next.
 *
 * Terminal states are final. BuildFailed is only published when a failure is final, ImagePushed
 * ends a build, and BuildCancelled is an operator's decision; an event after one of them comes
 * from a builder that crashed after publishing its verdict and before acking it, or from the
 * max-deliveries watcher. So once a build is succeeded, failed or cancelled, its status, error,
 * digest, image, finish time and duration never change: the first terminal event stored wins.
 * Later events are still recorded in `events` (evolve.ts) and `attempts` still counts up.
 *
 * Before that, attempts decide (redelivery races): a builder that was thought dead may still
 * publish after another builder took over. A newer attempt (`attempt > attempts`) clears the
 * fields of the previous one; a late BuildStarted or ImageBuilt of an older attempt changes
 * nothing; any attempt's ImagePushed or BuildFailed ends the build.
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

/** A finished build only learns that a (newer) attempt ran: the outcome stays. */
function seenAttempt(b: BuildView, attempt: number): BuildView {
  return attempt > b.attempts ? { ...b, attempts: attempt } : b;
}

/** Fields that belong to one attempt, cleared when a newer attempt shows up. */
function enterAttempt(b: BuildView, attempt: number, startedAt: string | null): BuildView {
  return { ...b, status: BuildStatus.running, attempts: attempt, startedAt, finishedAt: null, durationMs: null, error: null, imageId: null, digest: null };
}

/** The build as the (unfinished) attempt `attempt` sees it: a newer attempt takes over first. */
function atAttempt(b: BuildView, attempt: number, startedAt: string | null): BuildView {
  return attempt > b.attempts ? enterAttempt(b, attempt, startedAt) : b;
}

export function queued(b: BuildView, d: BuildQueued, time: string): BuildView {
  // The static facts of the build; a status already past `queued` (a failure that arrived
  // first) is kept.
  return {
    ...b,
    repo: d.repo.key,
    repoName: d.repo.name,
    dockerfile: d.dockerfile,
    image: b.status === BuildStatus.succeeded ? b.image : d.image,
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
  if (isTerminal(b.status)) return seenAttempt(b, attempt);
  if (attempt > b.attempts) return enterAttempt(b, attempt, time);
  if (attempt === b.attempts) return { ...b, status: BuildStatus.running, startedAt: b.startedAt ?? time };
  return b;
}

export function built(b: BuildView, d: ImageBuilt): BuildView {
  if (isTerminal(b.status)) return seenAttempt(b, d.attempt);
  if (d.attempt < b.attempts) return b;
  return { ...atAttempt(b, d.attempt, null), status: BuildStatus.running, imageId: d.imageId };
}

export function pushed(b: BuildView, d: ImagePushed, time: string): BuildView {
  if (isTerminal(b.status)) return seenAttempt(b, d.attempt);
  const current = atAttempt(b, d.attempt, null);
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
  if (isTerminal(b.status)) return seenAttempt(b, d.attempt);
  const current = atAttempt(b, d.attempt, null);
  return {
    ...current,
    status: BuildStatus.failed,
    error: { stage: d.stage, code: d.code, message: d.message },
    finishedAt: time,
    durationMs: durationMs(current.startedAt, time),
  };
}

export function cancelled(b: BuildView, d: BuildCancelled, time: string): BuildView {
  if (isTerminal(b.status)) return b;
  const by = d.requestedBy ? ` by ${d.requestedBy}` : "";
  const error = { stage: "cancelled", code: "SLIPWAY_BUILD_CANCELLED", message: `cancelled${by}${d.reason ? `: ${d.reason}` : ""}` };
  return { ...b, status: BuildStatus.cancelled, error, finishedAt: time, durationMs: durationMs(b.startedAt, time) };
}

/** A builder gave the running attempt back (graceful stop): the build waits for the next builder. */
export function handedBack(b: BuildView, attempt: number): BuildView {
  if (isTerminal(b.status) || attempt !== b.attempts) return b;
  return { ...b, status: BuildStatus.queued };
}
