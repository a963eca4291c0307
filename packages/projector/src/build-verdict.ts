import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { decodeEvent, STREAM_EVENTS, subjects, TERMINAL_PHASES, type Event } from "@slipway/events";
import { openOrderedFeed, type OrderedFeed } from "./ordered-feed.js";

/** The event that ends a build. */
export type VerdictEvent = Event<"ImagePushed" | "BuildFailed" | "BuildCancelled">;

export function isVerdict(event: Event): event is VerdictEvent {
  return event.type === "ImagePushed" || event.type === "BuildFailed" || event.type === "BuildCancelled";
}

/** What CI_EVENTS holds of one build when a live stream opens. */
export type BuildLookup = {
  /** Any event of the build is stored. */
  stored: boolean;
  /** Its verdict, when one is stored (the first, should there be two). */
  verdict: VerdictEvent | null;
  /** The stream's last sequence at the time of the lookup: a watcher starts after it. */
  lastSeq: number;
};

/**
 * One stream-info request gives the count of each of the build's subjects and the stream's last
 * sequence at the same instant; then one read per stored verdict subject. Watching from
 * `lastSeq + 1` afterwards misses nothing and sees nothing twice.
 */
export async function lookupBuild(jsm: JetStreamManager, buildId: string): Promise<BuildLookup> {
  const info = await jsm.streams.info(STREAM_EVENTS, { subjects_filter: subjects.buildEvents(buildId) });
  const counts = info.state.subjects ?? {};
  const stored = Object.values(counts).some((n) => n > 0);
  let verdict: { seq: number; event: VerdictEvent } | null = null;
  for (const phase of TERMINAL_PHASES) {
    if (!counts[subjects.build(buildId, phase)]) continue;
    const msg = await jsm.streams.getMessage(STREAM_EVENTS, { last_by_subj: subjects.build(buildId, phase) });
    if (!msg) continue;
    const event = decodeEvent(msg.data);
    if (isVerdict(event) && (verdict === null || msg.seq < verdict.seq)) verdict = { seq: msg.seq, event };
  }
  return { stored, verdict: verdict?.event ?? null, lastSeq: info.state.last_seq };
}

/** A build's verdict as it is stored from now on. */
export type VerdictWatch = {
  /** Resolves with the first verdict stored after the watch began; rejects if the consumer fails. */
  verdict: Promise<VerdictEvent>;
  close(): Promise<void>;
};

/** Watches `ci.build.<id>.*` from `startSeq` (a build has a handful of events: nothing to page). */
export async function watchVerdict(js: JetStreamClient, buildId: string, startSeq: number): Promise<VerdictWatch> {
  const feed: OrderedFeed = await openOrderedFeed(js, { stream: STREAM_EVENTS, filter: subjects.buildEvents(buildId), startSeq });
  const verdict = (async () => {
    for await (const msg of feed.messages) {
      let event: Event;
      try {
        event = decodeEvent(msg.data);
      } catch {
        continue; // The projection logs invalid events; a watcher only looks for the verdict.
      }
      if (isVerdict(event)) return event;
    }
    throw new Error(`verdict watch of build ${buildId} closed`);
  })();
  // Closing is the normal end of most watches: nobody has to hear about it.
  verdict.catch(() => undefined);
  return { verdict, close: () => feed.close() };
}
