import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { BuildPhase, decodeEvent, lastBuildEvent, STREAM_EVENTS, type Event } from "@slipway/events";
import { buildIdOf, matchesFilter, ownRepoOf, subjectFilter, type EventFilter } from "./event-filter.js";
import { openOrderedFeed } from "./ordered-feed.js";
import type { ReadModelAccessor } from "./projection-state.js";

export type FollowEventsOptions = {
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Knows the repo of most builds queued before the stream's start. */
  readModel: ReadModelAccessor;
  filter: EventFilter;
  /** CI_EVENTS sequence the client already has (the stream's last one: only new events). */
  after: number;
  /** Aborted when the client leaves or the server stops: the consumer is deleted at once. */
  signal: AbortSignal;
};

/** Builds' repos learnt from the BuildQueued events this stream passed; bounded like a cache. */
const MAX_LEARNT = 10_000;

/** Domain events of CI_EVENTS after `after` that pass the filter, stored then live, until aborted. */
export async function* followEvents(o: FollowEventsOptions): AsyncGenerator<{ seq: number; event: Event }> {
  const feed = await openOrderedFeed(o.js, { stream: STREAM_EVENTS, filter: subjectFilter(o.filter), startSeq: o.after + 1 });
  const stop = () => void feed.close();
  o.signal.addEventListener("abort", stop, { once: true });
  // Build events name their build, not its repo. The read model knows most builds' repos, but it
  // may lag this stream (a BuildQueued just passed, a projector replaying): those are learnt here,
  // from the BuildQueued passing by or, queued before the start, read once from the stream.
  const learnt = new Map<string, string>();
  const learn = (buildId: string, repo: string) => {
    if (learnt.size >= MAX_LEARNT) learnt.clear();
    learnt.set(buildId, repo);
  };
  const known = (buildId: string) => learnt.get(buildId) || o.readModel.read((view) => view.getBuild(buildId))?.repo || null;
  const lookUpRepo = async (event: Event) => {
    const buildId = buildIdOf(event);
    if (buildId === null || ownRepoOf(event) !== null || known(buildId) !== null || learnt.has(buildId)) return;
    let queued: Event | null;
    try {
      queued = await lastBuildEvent(o.jsm, buildId, BuildPhase.queued);
    } catch {
      return; // Unreadable now: this event does not pass, the next one asks again.
    }
    learn(buildId, queued?.type === "BuildQueued" ? queued.data.repo.key : "");
  };
  try {
    if (o.signal.aborted) return;
    for await (const msg of feed.messages) {
      let event: Event;
      try {
        event = decodeEvent(msg.data);
      } catch {
        continue; // Invalid or newer than this projector: the projection logs those.
      }
      if (event.type === "BuildQueued") learn(event.data.buildId, event.data.repo.key);
      else if (o.filter.repo !== null) await lookUpRepo(event);
      // Yield waits for the client to take it: a slow client pauses the pulling (ordered-feed.ts).
      if (matchesFilter(o.filter, event, known)) yield { seq: msg.seq, event };
    }
  } finally {
    o.signal.removeEventListener("abort", stop);
    stop();
  }
}
