import type { Consumer, JsMsg } from "@nats-io/jetstream";
import { decodeEvent } from "./codec.js";
import type { Event } from "./envelope.js";

/** Where a consume loop reports; pino's logger fits. */
export type EventLogger = {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

export type HandlerContext = {
  msg: JsMsg;
  /** 1 on first delivery. */
  attempt: number;
  /** Whether this is the consumer's last allowed delivery of the message. */
  lastAttempt: boolean;
};

export type ConsumeOptions = {
  logger: EventLogger;
  /** The consumer's max_deliver; -1 = unlimited. */
  maxDeliver: number;
  /** Delay before a failed message comes back. */
  retryDelayMs?: (attempt: number) => number;
};

export type ConsumeLoop = {
  /** Stops pulling, waits for the message in hand to finish; its ack or nak is sent first. */
  stop(): Promise<void>;
  /** Settles when the loop ends (stopped, or the consumer went away). */
  done: Promise<void>;
};

/**
 * Runs `handler` for each message of a pull consumer, one at a time. A message that is not a
 * valid event is acked away with an error log (never a crash loop); a handled one is acked with
 * `ackAck` (the server confirmed, so it will not come back); a handler that throws gets the
 * message back later (nak with delay) until the consumer's max_deliver is reached.
 */
export function consumeEvents(
  consumer: Consumer,
  handler: (event: Event, ctx: HandlerContext) => Promise<void>,
  options: ConsumeOptions,
): ConsumeLoop {
  const { logger, maxDeliver } = options;
  const retryDelayMs = options.retryDelayMs ?? ((n) => Math.min(30_000, 1000 * 2 ** (n - 1)));
  let stopping = false;
  let messagesPromise = consumer.consume({ max_messages: 1 });

  const done = (async () => {
    const messages = await messagesPromise;
    for await (const msg of messages) {
      const attempt = msg.info.deliveryCount;
      let event: Event;
      try {
        event = decodeEvent(msg.data);
      } catch (err) {
        logger.error({ err, subject: msg.subject, seq: msg.seq }, "invalid event acked away");
        await msg.ackAck().catch(() => undefined);
        continue;
      }
      try {
        await handler(event, { msg, attempt, lastAttempt: maxDeliver > 0 && attempt >= maxDeliver });
        await msg.ackAck();
      } catch (err) {
        logger.warn({ err, type: event.type, id: event.id, attempt }, "handler failed, message will be redelivered");
        msg.nak(retryDelayMs(attempt));
      }
      if (stopping) break;
    }
  })();

  return {
    done,
    async stop() {
      stopping = true;
      const messages = await messagesPromise;
      await messages.close().catch(() => undefined);
      await done.catch(() => undefined);
    },
  };
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
