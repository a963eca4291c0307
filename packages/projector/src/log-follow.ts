import type { JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { decodeEvent, STREAM_LOGS, subjects, type Event } from "@slipway/events";
import { watchVerdict, type BuildLookup, type VerdictEvent, type VerdictWatch } from "./build-verdict.js";
import { openOrderedFeed } from "./ordered-feed.js";

/** What a build's live log is made of, in the order a client gets it. */
export type LogItem =
  | { kind: "chunk"; seq: number; attempt: number; text: string }
  /** Always last: every chunk stored before the verdict came first. */
  | { kind: "verdict"; event: VerdictEvent };

export type FollowLogOptions = {
  js: JetStreamClient;
  jsm: JetStreamManager;
  buildId: string;
  /** The build as CI_EVENTS held it when the client came (`lookupBuild`). */
  lookup: BuildLookup;
  /** CI_LOGS sequence the client already has (`Last-Event-ID`); 0 = from the first chunk. */
  after: number;
  /** Aborted when the client leaves or the server stops: the consumers are deleted at once. */
  signal: AbortSignal;
};

/** The CI_LOGS sequence of the build's newest stored chunk, 0 when none is stored. */
async function lastChunkSeq(jsm: JetStreamManager, buildId: string): Promise<number> {
  const msg = await jsm.streams.getMessage(STREAM_LOGS, { last_by_subj: subjects.log(buildId) });
  return msg?.seq ?? 0;
}

function chunkOf(msg: JsMsg, buildId: string): Event<"BuildLogChunk"> | null {
  try {
    const event = decodeEvent(msg.data);
    return event.type === "BuildLogChunk" && event.data.buildId === buildId ? event : null;
  } catch {
    return null; // The projection logs invalid messages; a reader skips them.
  }
}

/**
 * A build's log chunks after `after`, stored then live, ending with its verdict. Logs and events
 * are two streams, so the verdict can be seen before the last chunks were read: the builder
 * stores every chunk before its verdict, so once the verdict is known the log is read up to the
 * newest chunk stored at that moment, then the verdict follows. (Not "until nothing is pending":
 * a message's pending count dates from its delivery, and buffered messages can be older than the
 * verdict.) A build without a verdict is followed until `signal` aborts.
 */
export async function* followLog(o: FollowLogOptions): AsyncGenerator<LogItem> {
  const feed = await openOrderedFeed(o.js, { stream: STREAM_LOGS, filter: subjects.log(o.buildId), startSeq: o.after + 1 });
  let watch: VerdictWatch | null = null;
  const stop = () => {
    void feed.close();
    void watch?.close();
  };
  o.signal.addEventListener("abort", stop, { once: true });
  try {
    if (o.signal.aborted) return;
    let verdict: VerdictEvent | null = o.lookup.verdict;
    if (verdict === null) watch = await watchVerdict(o.js, o.buildId, o.lookup.lastSeq + 1);
    if (o.signal.aborted) return;
    let target = verdict === null ? null : await lastChunkSeq(o.jsm, o.buildId);
    let read = o.after;
    const chunks = feed.messages[Symbol.asyncIterator]();
    let next: Promise<IteratorResult<JsMsg>> | null = null;
    const watched = watch?.verdict.then((event) => ({ verdict: event }));
    // A watch closed with the stream rejects; nobody may be racing it any more by then.
    watched?.catch(() => undefined);
    for (;;) {
      if (verdict !== null && target !== null && read >= target) {
        yield { kind: "verdict", event: verdict };
        return;
      }
      if (next === null) {
        // Asked only now: while the client is slow to take a chunk, nothing more is pulled.
        next = chunks.next();
        next.catch(() => undefined); // Raced, or left pending when the stream ends.
      }
      const got = verdict === null && watched ? await Promise.race([next, watched]) : await next;
      if ("verdict" in got) {
        verdict = got.verdict;
        target = await lastChunkSeq(o.jsm, o.buildId);
        continue;
      }
      if (got.done) return; // Closed: the client left.
      next = null;
      const msg = got.value;
      read = msg.seq;
      const chunk = chunkOf(msg, o.buildId);
      if (chunk) yield { kind: "chunk", seq: msg.seq, attempt: chunk.data.attempt, text: chunk.data.text };
    }
  } finally {
    o.signal.removeEventListener("abort", stop);
    stop();
  }
}
