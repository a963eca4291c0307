import type { Consumer, JsMsg } from "@nats-io/jetstream";
import { decodeEvent, type Event, type EventLogger } from "@slipway/events";
import type { ProjectionState } from "./projection-state.js";
import type { ModelStore } from "./model-store.js";

export type EventProjectionOptions = {
  /** The projector's durable on CI_EVENTS, positioned at the checkpoint (`positionDurable`). */
  consumer: Consumer;
  state: ProjectionState;
  store: ModelStore;
  logger: EventLogger & { debug(obj: object, msg?: string): void };
  /** Longest time an applied message waits for its save (and ack). */
  flushIntervalMs: number;
  /** Save at once when this many messages wait. Keep below the consumer's max_ack_pending. */
  flushMaxMessages: number;
};

export type EventProjection = {
  /** Stops pulling, persists what was applied and acks it. */
  stop(): Promise<void>;
  /** Settles when the pull loop ends. */
  done: Promise<void>;
};

/**
 * The consume loop of the read model. Messages are applied in stream order to the in-memory
 * model, then saved in batches (at most `flushIntervalMs` after the first waiting message, or
 * once `flushMaxMessages` wait), and acked only once the save that contains them is on disk. A
 * message at or below the checkpoint is a redelivery of something already applied: acked, not
 * applied again. A message that is no valid event is logged and acked away with its batch (never
 * a crash loop).
 */
export function startEventProjection(options: EventProjectionOptions): EventProjection {
  const { consumer, state, store, logger, flushIntervalMs, flushMaxMessages } = options;
  let pending: JsMsg[] = [];
  let persisted = state.checkpoint();
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  const persist = async (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0 && persisted === state.checkpoint()) return;
    // The batch is taken in the same tick as the store captures the state: they match.
    const batch = pending;
    pending = [];
    const began = Date.now();
    let checkpoint: number;
    try {
      checkpoint = await store.save(state);
    } catch (err) {
      // Nothing is acked: the batch waits for the next attempt, the model keeps it in memory.
      logger.error({ err, checkpoint: state.checkpoint() }, "saving the read model failed, will retry");
      pending = batch.concat(pending);
      schedule(1000);
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

  const handle = (msg: JsMsg): void => {
    const seq = msg.seq;
    if (seq <= persisted) {
      msg.ack();
      return;
    }
    if (seq <= state.checkpoint()) {
      // Applied but not yet on disk: its ack goes out with the batch that persists it.
      pending.push(msg);
      return;
    }
    let event: Event | null = null;
    try {
      event = decodeEvent(msg.data);
    } catch (err) {
      logger.error({ err, subject: msg.subject, seq }, "invalid event acked away");
    }
    try {
      state.apply(event, seq);
    } catch (err) {
      // A bug in evolve must not stop the projection: the event is skipped, loudly.
      logger.error({ err, seq, type: event?.type, id: event?.id }, "event could not be applied, skipped");
      state.apply(null, seq);
    }
    pending.push(msg);
  };

  let stopping = false;
  const messagesPromise = consumer.consume({ max_messages: 1000 });
  const done = (async () => {
    const messages = await messagesPromise;
    for await (const msg of messages) {
      if (stopping) break;
      handle(msg);
      if (pending.length >= flushMaxMessages) await flush();
      else if (pending.length > 0) schedule();
    }
  })();

  return {
    done,
    async stop() {
      stopping = true;
      const messages = await messagesPromise.catch(() => null);
      await messages?.close().catch(() => undefined);
      await done.catch((err: unknown) => logger.error({ err }, "event loop ended with an error"));
      await flush();
      if (timer) clearTimeout(timer);
    },
  };
}
