import type { JetStreamManager } from "@nats-io/jetstream";
import { BuildPhase, lastBuildEvent, readBuildRecord, type BuildQueued, type BuildRecord } from "@slipway/events";

/** What the events stream says about a build, read when one of its events is handled. */
export type BuildHistory = {
  /** The build's `BuildQueued`: later events carry only the build id. */
  queued(buildId: string): Promise<BuildQueued | null>;
  /** Which phases are stored, to tell whether a later event overtook this one. */
  record(buildId: string): Promise<Pick<BuildRecord, "started" | "terminal">>;
};

/**
 * Reads from the stream itself rather than a cache of this process: nothing to lose on a restart,
 * and a build queued before this service started is found all the same.
 */
export function streamHistory(jsm: JetStreamManager): BuildHistory {
  return {
    async queued(buildId) {
      const event = await lastBuildEvent(jsm, buildId, BuildPhase.queued);
      return event?.type === "BuildQueued" ? event.data : null;
    },
    record: (buildId) => readBuildRecord(jsm, buildId),
  };
}
