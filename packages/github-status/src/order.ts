import { BuildPhase, type BuildRecord } from "@slipway/events";
import type { StatusPhase } from "./status.js";

/**
 * Whether the stream already holds a later phase of the build than `phase`. GitHub shows the
 * newest status of a context, so an older event handled late (redelivered after a GitHub error,
 * or replayed) must not post: a `pending` would hide the build's verdict, "queued" would hide
 * "building". The later event is further on in the stream and posts its own status.
 */
export function supersededBy(phase: StatusPhase, record: Pick<BuildRecord, "started" | "terminal">): boolean {
  switch (phase) {
    case BuildPhase.queued:
      return record.started > 0 || record.terminal !== null;
    case BuildPhase.started:
      return record.terminal !== null;
    // A build has one verdict (one shared event id): nothing comes after it.
    case BuildPhase.pushed:
    case BuildPhase.failed:
    case BuildPhase.cancelled:
      return false;
    default: {
      const unknown: never = phase;
      return unknown;
    }
  }
}
