import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { eventIds, FailureStage, publishEvent, watchExhausted, type DurableSpec } from "@slipway/events";
import type { Logger } from "@slipway/service-kit";
import { BUILD_ABANDONED } from "./build-job.js";

/**
 * The consumer's max_deliver is a safety net above the builder's own attempt limit (hand-backs
 * need deliveries too): a build whose last delivery died with its builder still ends, as
 * `BuildFailed` with the reason.
 */
export function watchExhaustedBuilds(nc: NatsConnection, jsm: JetStreamManager, js: JetStreamClient, durable: DurableSpec, logger: Logger): Subscription {
  return watchExhausted(nc, jsm, durable, logger, async (event, deliveries) => {
    if (event.type !== "BuildQueued") return;
    const { buildId } = event.data;
    const message = `abandoned after ${deliveries} deliveries: no builder finished the build (builders crashed, were killed or lost their connection)`;
    await publishEvent(js, "BuildFailed", { buildId, stage: FailureStage.infrastructure, code: BUILD_ABANDONED, message, attempt: deliveries }, {
      id: eventIds.verdict(buildId),
      correlationId: event.correlationId,
      causationId: event.id,
    });
    logger.warn({ buildId, deliveries }, "build exhausted its deliveries: reported as failed");
  });
}
