import { decodeEvent, type Event, type EventLogger } from "@slipway/events";
import type { EventMessage, EventMessages, EventSource } from "./event-source.js";
import type { ProjectionState } from "./projection-state.js";
import { decide, Decision } from "./sequence-order.js";

export type EventProjectionOptions = {
  /** The projector's durable on CI_EVENTS, positioned at the checkpoint (`positionDurable`). */
  source: EventSource;
  state: ProjectionState;
  /**
   * Makes what the state applied durable, resolving to the checkpoint saved (default: its
   * `commit`). After a failure the state is rolled back to its checkpoint on disk.
   */
  save?: (state: ProjectionState) => Promise<number>;
  logger: EventLogger & { debug(obj: object, msg?: string): void };
  /** Longest time an applied message waits for its save (and ack). */
  flushIntervalMs: number;
  /** Save at once when this many messages wait. Keep below the consumer's max_ack_pending. */
  flushMaxMessages: number;
  /** Wait before trying again when the durable cannot be (re)opened. */
  retryMs?: number;
};

export type EventProjection = {
  /** Stops pulling, persists what was applied and acks it. */
  stop(): Promise<void>;
  /** Settles when the pull loop ends. */
  done: Promise<void>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The consume loop of the read model. Messages are applied strictly in stream order to the
 * in-memory model (`decide` in sequence-order.ts), then saved in batches (at most
 * `flushIntervalMs` after the first waiting message, or once `flushMaxMessages` wait), and acked
 * only once the save that contains them is on disk. A message at or below the checkpoint is a
 * redelivery of something already applied: acked, not applied again. A message after a gap
 * whose sequences the stream still holds is not applied: delivery restarts after the
 * checkpoint. A message that is no valid event is logged and acked away with its batch (never a
 * crash loop).
 */
export function startEventProjection(options: EventProjectionOptions): EventProjection {
  const { source, state, logger, flushIntervalMs, flushMaxMessages } = options;
  const save = options.save ?? (async (s: ProjectionState) => s.commit());
  const retryMs = options.retryMs ?? 1000;
  let pending: EventMessage[] = [];
  let persisted = state.checkpoint();
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let stopping = false;
  let current: EventMessages | null = null;

  const persist = async (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0 && persisted === state.checkpoint()) return;
    // The batch is taken in the same tick as the state is committed: they match.
    const batch = pending;
    pending = [];
    const began = Date.now();
    let checkpoint: number;
    try {
      checkpoint = await save(state);
    } catch (err) {
      // Nothing is acked, and the view goes back to its checkpoint on disk: the next message is
      // then after a gap the stream still holds, so delivery restarts after that checkpoint and
      // the batch is applied again.
      logger.error({ err, checkpoint: state.checkpoint() }, "saving the read model failed, applying the batch again");
      state.rollback();
      pending = [];
      return;
    }
    persisted = checkpoint;
    for (const msg of batch) msg.ack();
    logger.debug({ checkpoint, messages: batch.length, saveMs: Date.now() - began }, "read model saved");
  };
  // Saves never overlap: each waits for the one before.
  const flush = (): Promise<void> => (chain = chain.then(persist));
  const schedule = (delayMs = flushIntervalMs) => {
    timer ??= setTimeout(() => void flush(), delayMs);
  };

  const apply = (msg: EventMessage): void => {
    const seq = msg.seq;
    let event: Event | null = null;
    try {
      event = decodeEvent(msg.data);
    } catch (err) {
      logger.error({ err, subject: msg.subject, seq }, "invalid event acked away");
    }
    try {
      state.apply(event, seq, msg.data);
    } catch (err) {
      // A bug in evolve must not stop the projection: the event is skipped, loudly.
      logger.error({ err, seq, type: event?.type, id: event?.id }, "event could not be applied, skipped");
      state.apply(null, seq);
    }
    pending.push(msg);
  };

  /** Handles one message; false when delivery must restart after the checkpoint. */
  const handle = async (msg: EventMessage): Promise<boolean> => {
    const position = { checkpoint: state.checkpoint(), persisted };
    let decision = decide(msg.seq, position);
    if (decision === Decision.lookup) {
      const from = position.checkpoint + 1;
      const to = msg.seq - 1;
      let stored: number | null;
      try {
        stored = await source.firstStoredIn(from, to);
      } catch (err) {
        // Unknown whether the gap is real: never skip on a guess; delivery restarts and asks again.
        logger.error({ err, from, to }, "looking up missing sequences failed");
        await sleep(retryMs);
        return false;
      }
      decision = decide(msg.seq, position, stored !== null);
      if (stored === null) logger.warn({ from, to }, "sequences no longer in the stream, skipped");
      else logger.warn({ seq: msg.seq, expected: from, stored }, "event delivered out of order, restarting delivery after the checkpoint");
    }
    switch (decision) {
      case Decision.ack:
        msg.ack();
        return true;
      case Decision.hold:
        // Applied but not yet on disk: its ack goes out with the batch that persists it.
        pending.push(msg);
        return true;
      case Decision.apply:
        apply(msg);
        return true;
      case Decision.lookup:
      case Decision.reposition:
        // Neither applied nor acked: the restarted delivery brings it again, in order.
        return false;
      default: {
        const _exhaustive: never = decision;
        return _exhaustive;
      }
    }
  };

  /** Consumes until the messages end ("ended") or delivery must restart ("reposition"). */
  const drain = async (messages: EventMessages): Promise<"ended" | "reposition"> => {
    for await (const msg of messages) {
      if (stopping) return "ended";
      if (!(await handle(msg))) return "reposition";
      if (pending.length >= flushMaxMessages) await flush();
      else if (pending.length > 0) schedule();
    }
    return "ended";
  };

  /** Runs `step` until it succeeds (its result) or the projection stops (null). */
  const retrying = async <T>(what: string, step: () => Promise<T>): Promise<T | null> => {
    while (!stopping) {
      try {
        return await step();
      } catch (err) {
        logger.error({ err }, `${what} failed, will retry`);
        await sleep(retryMs);
      }
    }
    return null;
  };

  const run = async (): Promise<void> => {
    while (!stopping) {
      const messages = await retrying("opening the events consumer", () => source.open());
      if (messages === null) return;
      current = messages;
      if (stopping) {
        // stop() ran while the consumer was being opened.
        await messages.close().catch(() => undefined);
        return;
      }
      const outcome = await drain(messages);
      current = null;
      if (outcome === "ended") return;
      await messages.close().catch(() => undefined);
      // Saved and acked before the durable is recreated, which then starts after the checkpoint.
      await flush();
      await retrying("repositioning the events consumer", () => source.reposition(state.checkpoint()));
    }
  };
  const done = run();

  return {
    done,
    async stop() {
      stopping = true;
      await current?.close().catch(() => undefined);
      await done.catch((err: unknown) => logger.error({ err }, "event loop ended with an error"));
      await flush();
      if (timer) clearTimeout(timer);
    },
  };
}
