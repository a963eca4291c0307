import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { FailureStage, decodeEvent, publishEvent, stableId, type DurableSpec } from "@slipway/events";
import type { Logger } from "@slipway/service-kit";

/** `BuildFailed.code` when no delivery of a build reached a verdict (its builders died or hung). */
export const ATTEMPTS_EXHAUSTED = "SLIPWAY_BUILD_ATTEMPTS_EXHAUSTED";

function numberField(value: unknown, key: string): number | null {
  const v = typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : null;
}

/**
 * A builder that dies (or hangs) on a build's last delivery never publishes its `BuildFailed`.
 * JetStream then announces the message as exhausted (the MAX_DELIVERIES advisory, sent when it
 * would have redelivered it to a pulling builder); every running builder hears it and publishes
 * the build's `BuildFailed` with the terminal id, so duplicates are dropped and the build still
 * ends, "with the reason", as the reliability contract asks.
 */
export function watchExhaustedBuilds(nc: NatsConnection, jsm: JetStreamManager, js: JetStreamClient, durable: DurableSpec, logger: Logger): Subscription {
  const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${durable.stream}.${durable.name}`;
  return nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) return logger.warn({ err }, "max-deliveries advisory subscription failed");
      void handle(msg.data).catch((handleErr: unknown) => logger.warn({ err: handleErr }, "could not report an exhausted build"));
    },
  });

  async function handle(body: Uint8Array): Promise<void> {
    let advisory: unknown;
    try {
      advisory = JSON.parse(Buffer.from(body).toString("utf8"));
    } catch {
      return;
    }
    const seq = numberField(advisory, "stream_seq");
    if (seq === null) return;
    const deliveries = numberField(advisory, "deliveries") ?? durable.maxDeliver;
    const stored = await jsm.streams.getMessage(durable.stream, { seq });
    if (!stored) return;
    const event = decodeEvent(stored.data);
    if (event.type !== "BuildQueued") return;
    const { buildId } = event.data;
    const message = `no builder finished the build in ${deliveries} attempts (builder stopped, crashed or lost its connection)`;
    await publishEvent(js, "BuildFailed", { buildId, stage: FailureStage.infrastructure, code: ATTEMPTS_EXHAUSTED, message, attempt: deliveries }, {
      id: stableId(buildId, "failed"),
      correlationId: event.correlationId,
      causationId: event.id,
    });
    logger.warn({ buildId, deliveries }, "build exhausted its deliveries: reported as failed");
  }
}
