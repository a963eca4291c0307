import { BuildPhase, type BuildQueued, type Event } from "@slipway/events";
import { imageWithoutRegistry, oneLine } from "./text.js";

/** The states GitHub's commit status API takes. */
export const CommitState = {
  pending: "pending",
  success: "success",
  failure: "failure",
  error: "error",
} as const;
export type CommitState = (typeof CommitState)[keyof typeof CommitState];

/** One commit status as it is posted: `POST /repos/{owner}/{repo}/statuses/{sha}`. */
export type CommitStatus = {
  state: CommitState;
  /** One per Dockerfile, so each image has its own line on the commit. */
  context: string;
  /** At most 140 characters. */
  description: string;
  /** The build's page; null when no public URL is configured. */
  targetUrl: string | null;
};

/** Which commit a build's statuses go to. */
export type StatusTarget = { owner: string; repo: string; sha: string };

export type StatusOptions = {
  /** `slipway` gives contexts like `slipway/Dockerfile_test`. */
  contextPrefix: string;
  /** Where the build pages are (`http://ci.example.com:5000`), without a trailing `/`; null = no link. */
  publicUrl: string | null;
};

/** The phases that post a status. */
export type StatusPhase = typeof BuildPhase.queued | typeof BuildPhase.started | typeof BuildPhase.pushed | typeof BuildPhase.failed | typeof BuildPhase.cancelled;

/** The events that post a status, and the phase each one is. */
const STATUS_PHASES = {
  BuildQueued: BuildPhase.queued,
  BuildStarted: BuildPhase.started,
  ImagePushed: BuildPhase.pushed,
  BuildFailed: BuildPhase.failed,
  BuildCancelled: BuildPhase.cancelled,
} as const satisfies Record<string, StatusPhase>;

/**
 * An event that posts a status. Not `ImageBuilt` (the push decides), nor `BuildHandedBack`: a
 * handed-back build is queued again and keeps "building" until it starts again.
 */
export type StatusEvent = Event<keyof typeof STATUS_PHASES>;

export function isStatusEvent(event: Event): event is StatusEvent {
  return Object.hasOwn(STATUS_PHASES, event.type);
}

export function statusPhase(event: StatusEvent): StatusPhase {
  return STATUS_PHASES[event.type];
}

/** The commit a build's statuses go to; null for a repository without an owner (the seed's curl): GitHub cannot name it. */
export function statusTarget(queued: BuildQueued): StatusTarget | null {
  return queued.repo.owner === null ? null : { owner: queued.repo.owner, repo: queued.repo.name, sha: queued.sha };
}

export function statusContext(queued: BuildQueued, options: StatusOptions): string {
  return `${options.contextPrefix}/${queued.dockerfile}`;
}

/**
 * The status an event of a build stands for; `queued` is the build's `BuildQueued` (the commit,
 * Dockerfile and number that later events do not repeat).
 */
export function statusFor(event: StatusEvent, queued: BuildQueued, options: StatusOptions): CommitStatus {
  const status = (state: CommitState, description: string): CommitStatus => ({
    state,
    context: statusContext(queued, options),
    description: oneLine(description),
    // The dashboard's build page (the projector serves it at `/`; `/builds/<id>` is the JSON).
    targetUrl: options.publicUrl === null ? null : `${options.publicUrl}/#/builds/${encodeURIComponent(queued.buildId)}`,
  });
  const build = `Build #${queued.buildNumber}`;
  switch (event.type) {
    case "BuildQueued":
      return status(CommitState.pending, `${build} queued`);
    case "BuildStarted":
      return status(CommitState.pending, `${build} building`);
    case "ImagePushed":
      // The digest is what a deploy pins; its first 12 hex digits name it as `docker images` does.
      return status(CommitState.success, `${build} pushed ${imageWithoutRegistry(event.data.image)} ${event.data.digest.slice(0, "sha256:".length + 12)}`);
    case "BuildFailed":
      return status(CommitState.failure, `${build} failed at ${event.data.stage}: ${event.data.message}`);
    case "BuildCancelled": {
      // Not the commit's fault: `error`, which GitHub shows apart from a failing build.
      const by = event.data.requestedBy ? ` by ${event.data.requestedBy}` : "";
      return status(CommitState.error, `${build} cancelled${by}${event.data.reason ? `: ${event.data.reason}` : ""}`);
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}
