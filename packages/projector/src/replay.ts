import { DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream";
import { decodeEvent, STREAM_EVENTS } from "@slipway/events";

/** Where a replay folds the events: a view being rebuilt (bulk-loader.ts). */
export type ReplayTarget = {
  /** Last sequence folded in. */
  checkpoint(): number;
  /**
   * Folds one message in, as it came from the stream: the target decodes it (a message that is no
   * valid event only moves the position). A promise when it must wait.
   */
  apply(seq: number, data: Uint8Array): void | Promise<void>;
  /** Ends a batch of work; a promise when it must wait. */
  commit(): void | Promise<void>;
};

/** How far a replay is. */
export type ReplayProgress = {
  /** Messages folded in so far. */
  applied: number;
  /** Last sequence folded in. */
  seq: number;
  /** Sequence the replay runs to. */
  target: number;
  /** Messages between the first sequence and the target (the 100 % of a progress bar). */
  total: number;
};

export type ReplayOptions = {
  js: JetStreamClient;
  /** Where the events are folded: a fresh view, or one a replay filled up to its checkpoint. */
  target: ReplayTarget;
  /** Last sequence to fold in (the stream's last one when the replay started). */
  to: number;
  /** First sequence of the stream (messages below it are gone): for `total`. */
  first?: number;
  /** Stop before the first event stamped after this time (ms since the epoch). */
  untilTimeMs?: number;
  onProgress?: (p: ReplayProgress) => void;
  signal?: AbortSignal;
  /** Messages folded per commit: a commit costs one sync, so not every message. */
  commitEvery?: number;
};

export type ReplayResult = { checkpoint: number; applied: number; stoppedBy: "sequence" | "time" | "abort" };

/** How often `onProgress` is called, in messages. */
const PROGRESS_EVERY = 1000;
const PULL_BATCH = 1000;

/**
 * Folds CI_EVENTS into `state`, from right after its checkpoint up to sequence `to` (or the last
 * event stamped at or before `untilTimeMs`), through an ordered consumer: no durable, no acks,
 * the fastest read the server offers. Invalid messages only move the position, as in the live
 * projection. Commits every `commitEvery` messages and at the end.
 */
export async function replayStream(o: ReplayOptions): Promise<ReplayResult> {
  const from = o.target.checkpoint() + 1;
  const total = Math.max(0, o.to - Math.max(from, o.first ?? 1) + 1);
  const commitEvery = o.commitEvery ?? 20_000;
  let applied = 0;
  let stoppedBy: ReplayResult["stoppedBy"] = "sequence";
  const progress = () => o.onProgress?.({ applied, seq: o.target.checkpoint(), target: o.to, total });
  if (from <= o.to && !o.signal?.aborted) {
    const consumer = await o.js.consumers.get(STREAM_EVENTS, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from });
    const messages = await consumer.consume({ max_messages: PULL_BATCH });
    const abort = () => void messages.close();
    o.signal?.addEventListener("abort", abort, { once: true });
    try {
      for await (const msg of messages) {
        if (o.signal?.aborted) {
          stoppedBy = "abort";
          break;
        }
        if (msg.seq > o.to) break;
        // Decoded here only to stop at a time: the target decodes every message itself (on the
        // writer's thread), and decoding twice would cost a replay a fifth of its CPU time.
        if (o.untilTimeMs !== undefined && stampedAfter(msg.data, o.untilTimeMs)) {
          stoppedBy = "time";
          break;
        }
        const applying = o.target.apply(msg.seq, msg.data);
        if (applying) await applying;
        applied++;
        if (applied % commitEvery === 0) await o.target.commit();
        if (applied % PROGRESS_EVERY === 0) progress();
        // The ordered consumer skips deleted sequences: `to` itself may never come.
        if (msg.seq >= o.to || msg.info.pending === 0) break;
      }
    } finally {
      o.signal?.removeEventListener("abort", abort);
      await messages.close();
    }
    if (o.signal?.aborted) stoppedBy = "abort";
  }
  await o.target.commit();
  progress();
  return { checkpoint: o.target.checkpoint(), applied, stoppedBy };
}

/** Whether a message is an event stamped after `timeMs` (a message that is no event is not). */
function stampedAfter(data: Uint8Array, timeMs: number): boolean {
  try {
    return Date.parse(decodeEvent(data).time) > timeMs;
  } catch {
    return false;
  }
}
