import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { decodeEvent } from "./codec.js";
import type { EventLogger } from "./consume.js";
import type { Event } from "./envelope.js";
import type { DurableSpec } from "./streams.js";

function positiveInt(value: unknown, key: string): number | null {
  const v = typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : null;
}

/**
 * A handler that dies (or hangs) on a message's last delivery never publishes its verdict, and
 * JetStream then stops delivering it. It does announce that (the MAX_DELIVERIES advisory): every
 * running process of the service hears it and calls `onExhausted` with the stored event, which
 * publishes the terminal failure under a deterministic id, so the duplicates are dropped and the
 * work still ends, with the reason.
 */
export function watchExhausted(
  nc: NatsConnection,
  jsm: JetStreamManager,
  durable: DurableSpec,
  logger: EventLogger,
  onExhausted: (event: Event, deliveries: number) => Promise<void>,
): Subscription {
  const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${durable.stream}.${durable.name}`;
  return nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) return logger.warn({ err }, "max-deliveries advisory subscription failed");
      void handle(msg.data).catch((handleErr: unknown) => logger.warn({ err: handleErr }, "could not report an exhausted message"));
    },
  });

  async function handle(body: Uint8Array): Promise<void> {
    let advisory: unknown;
    try {
      advisory = JSON.parse(Buffer.from(body).toString("utf8"));
    } catch {
      return;
    }
    const seq = positiveInt(advisory, "stream_seq");
    if (seq === null) return;
    const deliveries = positiveInt(advisory, "deliveries") ?? durable.maxDeliver;
    const stored = await jsm.streams.getMessage(durable.stream, { seq });
    if (!stored) return;
    await onExhausted(decodeEvent(stored.data), deliveries);
  }
}
