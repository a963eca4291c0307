import type { Event } from "@slipway/events";
import type { Logger } from "@slipway/service-kit";
import { GithubUnavailableError } from "./errors.js";
import { failureAction, FailureAction, httpFailure } from "./failure.js";
import type { CommitStatusApi } from "./github-client.js";
import type { BuildHistory } from "./history.js";
import { supersededBy } from "./order.js";
import type { PostedStatuses } from "./posted-store.js";
import { isStatusEvent, statusFor, statusPhase, statusTarget, type CommitStatus, type StatusOptions } from "./status.js";

/** How one event ended; each but `posted` sends nothing to GitHub. */
export const Outcome = {
  posted: "posted",
  /** Not an event that posts a status (`ImageBuilt`, log chunks, webhooks...). */
  notAStatus: "not-a-status",
  /** The KV bucket says GitHub already accepted this build's status of this phase. */
  alreadyPosted: "already-posted",
  /** Redelivered, and GitHub already shows exactly this status: an earlier POST got through. */
  alreadyOnGithub: "already-on-github",
  /** A later phase of the build is stored: its own status is newer. */
  superseded: "superseded",
  /** The repository has no owner (the seed's curl): there is no GitHub commit to name. */
  noOwner: "no-owner",
  /** The build's `BuildQueued` is not in the stream (removed by limits): no commit known. */
  noQueued: "no-queued",
  /** GitHub answered a 4xx that another try would get again; warned once. */
  refused: "refused",
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export type HandlerDeps = {
  github: CommitStatusApi;
  history: BuildHistory;
  posted: PostedStatuses;
  options: StatusOptions;
  logger: Logger;
};

export type Delivery = {
  /** 1 on first delivery. */
  attempt: number;
  /** Aborted when the service stops: the request in flight gives up and the message goes back. */
  signal: AbortSignal;
};

function sameStatus(shown: CommitStatus | null, status: CommitStatus): boolean {
  return shown !== null && shown.state === status.state && shown.description === status.description && shown.targetUrl === status.targetUrl;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Posts the commit status an event stands for, at most once per build and phase. Resolves when
 * it is done with the event (posted, or nothing to post): the message is then acked. Throws
 * `GithubUnavailableError` when GitHub should be asked again later (the message is redelivered).
 */
export async function handleStatusEvent(deps: HandlerDeps, event: Event, delivery: Delivery): Promise<Outcome> {
  if (!isStatusEvent(event)) return Outcome.notAStatus;
  const { logger } = deps;
  const phase = statusPhase(event);
  const { buildId } = event.data;
  const about = { buildId, phase, eventId: event.id, attempt: delivery.attempt };
  if (await deps.posted.has(buildId, phase)) {
    logger.debug(about, "status of this phase already posted");
    return Outcome.alreadyPosted;
  }
  const queued = event.type === "BuildQueued" ? event.data : await deps.history.queued(buildId);
  if (queued === null) {
    logger.warn(about, "no BuildQueued stored for this build: its commit is unknown, no status posted");
    return Outcome.noQueued;
  }
  const target = statusTarget(queued);
  if (target === null) {
    logger.debug({ ...about, repo: queued.repo.key }, "repository without an owner: no commit status");
    return Outcome.noOwner;
  }
  // Read after the KV check, just before posting: the newest the stream knows.
  if (supersededBy(phase, await deps.history.record(buildId))) {
    logger.debug(about, "a later phase of this build is stored: its status wins, this one is skipped");
    return Outcome.superseded;
  }
  const status = statusFor(event, queued, deps.options);
  const where = { ...about, repo: queued.repo.key, sha: queued.sha, context: status.context, state: status.state };
  try {
    // A redelivery can follow a POST that GitHub accepted but this process never recorded (it
    // died, or the answer was lost): GitHub itself says whether the status is already there.
    if (delivery.attempt > 1 && sameStatus(await deps.github.current(target, status.context, delivery.signal), status)) {
      await deps.posted.mark(buildId, phase, status);
      logger.info(where, "GitHub already shows this status: not posting it again");
      return Outcome.alreadyOnGithub;
    }
    await deps.github.create(target, status, delivery.signal);
  } catch (err) {
    const failure = httpFailure(err);
    if (failureAction(err) === FailureAction.retry) throw new GithubUnavailableError(failure?.status ?? null, `GitHub did not take the status: ${reason(err)}`);
    logger.warn({ ...where, httpStatus: failure?.status, reason: reason(err) }, "GitHub refused the commit status; not retrying it");
    return Outcome.refused;
  }
  await deps.posted.mark(buildId, phase, status);
  logger.info(where, "commit status posted");
  return Outcome.posted;
}
