import type { Consumer, JsMsg } from "@nats-io/jetstream";
import { decodeEvent } from "./codec.js";
import type { Event } from "./envelope.js";
import { SlipwayError, UnsupportedVersionError } from "./errors.js";

/** Where a consume loop reports; pino's logger fits. */
export type EventLogger = {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** Where the stacks of expected failures go; without it they are not logged. */
  debug?(obj: object, msg?: string): void;
};

export type HandlerContext = {
  msg: JsMsg;
  /** 1 on first delivery. */
  attempt: number;
  /** Whether this is the consumer's last allowed delivery of the message. */
  lastAttempt: boolean;
  /**
   * Aborted when the loop is stopped: long work (a Docker build) should give up, so the process
   * can exit before its supervisor kills it. A handler that then throws has its message handed
   * back at once (nak without delay) for another process, and it is not logged as a failure.
   */
  signal: AbortSignal;
};

export type ConsumeOptions = {
  logger: EventLogger;
  /** The consumer's max_deliver; -1 = unlimited. */
  maxDeliver: number;
  /** Delay before a failed message comes back. */
  retryDelayMs?: (attempt: number) => number;
};

export type ConsumeLoop = {
  /**
   * Stops pulling and aborts the handler's `signal`; waits for the message in hand to finish
   * (acked if the handler still completed, else handed back at once).
   */
  stop(): Promise<void>;
  /** Settles when the loop ends (stopped, or the consumer went away). */
  done: Promise<void>;
};

/**
 * How long an event of a newer version waits before it is offered again. During a rolling upgrade
 * an old process must not throw away a new producer's work: it leaves it for a newer consumer.
 */
export const UNSUPPORTED_VERSION_DELAY_MS = 60_000;

/**
 * Runs `handler` for each message of a pull consumer, one at a time. A message that is not a
 * valid event is acked away with an error log (never a crash loop); one of a newer version than
 * this process knows is given back with a delay. A handled one is acked with `ackAck` (the server
 * confirmed, so it will not come back); a handler that throws gets the message back later (nak
 * with delay) until the consumer's max_deliver is reached.
 */
export function consumeEvents(
  consumer: Consumer,
  handler: (event: Event, ctx: HandlerContext) => Promise<void>,
  options: ConsumeOptions,
): ConsumeLoop {
  const stopping = new AbortController();
  const messagesPromise = consumer.consume({ max_messages: 1 });

  const done = (async () => {
    const messages = await messagesPromise;
    for await (const msg of messages) await handleMessage(msg, handler, options, stopping.signal);
  })();

  return {
    done,
    async stop() {
      stopping.abort();
      const messages = await messagesPromise;
      await messages.close().catch(() => undefined);
      await done.catch(() => undefined);
    },
  };
}

/**
 * One message through `handler`, settled as `consumeEvents` describes: acked when handled, given
 * back (with a delay, or at once when stopping) when the handler throws. Shared by both loops.
 */
export async function handleMessage(
  msg: JsMsg,
  handler: (event: Event, ctx: HandlerContext) => Promise<void>,
  options: ConsumeOptions,
  stopping: AbortSignal,
): Promise<void> {
  const { logger, maxDeliver } = options;
  const retryDelayMs = options.retryDelayMs ?? ((n) => Math.min(30_000, 1000 * 2 ** (n - 1)));
  // Pulled but not started before the stop: another process can take it right away.
  if (stopping.aborted) {
    msg.nak();
    return;
  }
  const event = await decodeOrSettle(msg, logger);
  if (event === null) return;
  const attempt = msg.info.deliveryCount;
  try {
    await handler(event, { msg, attempt, lastAttempt: maxDeliver > 0 && attempt >= maxDeliver, signal: stopping });
  } catch (err) {
    if (stopping.aborted) {
      logger.info({ type: event.type, id: event.id, attempt, reason: err instanceof Error ? err.message : String(err) }, "stopping: message handed back");
      msg.nak();
    } else {
      const retryInMs = retryDelayMs(attempt);
      logHandlerFailure(logger, err, { type: event.type, id: event.id, attempt, retryInMs });
      msg.nak(retryInMs);
    }
    return;
  }
  // Outside the handler's try: the work is done, so an unconfirmed ack is no reason to do it
  // again. If the ack really was lost, the ack wait gives the message back by itself.
  await msg.ackAck().catch((err: unknown) => {
    logger.warn({ err, type: event.type, id: event.id, attempt }, "ack not confirmed by the server; the message may come back after its ack wait");
  });
}

/**
 * One line per failed attempt. A SlipwayError is an expected failure (its code says what
 * happened: a host refused, a timeout): code and reason, the stack only at debug. Anything else
 * may be a bug, and is logged with its stack.
 */
function logHandlerFailure(logger: EventLogger, err: unknown, fields: object): void {
  const msg = "handler failed, message will be redelivered";
  if (err instanceof SlipwayError) {
    logger.warn({ ...fields, code: err.code, err: err.message }, msg);
    logger.debug?.({ ...fields, err }, "handler failure, with its stack");
  } else {
    logger.warn({ ...fields, err }, msg);
  }
}

/** Decodes a message; settles it and returns null when it is not an event this process can handle. */
async function decodeOrSettle(msg: JsMsg, logger: EventLogger): Promise<Event | null> {
  try {
    return decodeEvent(msg.data);
  } catch (err) {
    if (err instanceof UnsupportedVersionError) {
      logger.error({ err, subject: msg.subject, seq: msg.seq }, "event of a newer version left for a newer consumer");
      msg.nak(UNSUPPORTED_VERSION_DELAY_MS);
    } else {
      logger.error({ err, subject: msg.subject, seq: msg.seq }, "invalid event acked away");
      await msg.ackAck().catch(() => undefined);
    }
    return null;
  }
}

/**
 * Tells JetStream the message is still being worked on, every `intervalMs`, while `work` runs: a
 * long build is not redelivered to another builder, but a dead builder's job is.
 */
export async function withHeartbeat<T>(msg: JsMsg, intervalMs: number, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => msg.working(), intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
