import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { FailureStage, publishEvent, stableId, watchExhausted, type DurableSpec } from "@slipway/events";
import type { Logger } from "@slipway/service-kit";

/** `BuildFailed.code` when no delivery of a build reached a verdict (its builders died or hung). */
export const ATTEMPTS_EXHAUSTED = "SLIPWAY_BUILD_ATTEMPTS_EXHAUSTED";

/** A build whose last delivery died with its builder still ends, as `BuildFailed` with the reason. */
export function watchExhaustedBuilds(nc: NatsConnection, jsm: JetStreamManager, js: JetStreamClient, durable: DurableSpec, logger: Logger): Subscription {
  return watchExhausted(nc, jsm, durable, logger, async (event, deliveries) => {
    if (event.type !== "BuildQueued") return;
    const { buildId } = event.data;
    const message = `no builder finished the build in ${deliveries} attempts (builder stopped, crashed or lost its connection)`;
    // The same id as the job's own BuildFailed: a build ends once.
    await publishEvent(js, "BuildFailed", { buildId, stage: FailureStage.infrastructure, code: ATTEMPTS_EXHAUSTED, message, attempt: deliveries }, {
      id: stableId(buildId, "failed"),
      correlationId: event.correlationId,
      causationId: event.id,
    });
    logger.warn({ buildId, deliveries }, "build exhausted its deliveries: reported as failed");
  });
}
