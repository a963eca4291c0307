import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ensureStreams, eventIds, publishEvent } from "@slipway/events";
import { connectNats, type Logger } from "@slipway/service-kit";
import { buildApp } from "./app.js";
import type { IngressConfig } from "./config.js";
import { jetStreamControlStore } from "./control-store.js";

/** Starts ingress: NATS first (a hook is only accepted once it can be stored), then HTTP. */
export async function startIngress(config: IngressConfig, logger: Logger): Promise<() => Promise<void>> {
  if (!config.webhookSecret) {
    logger.warn("SLIPWAY_WEBHOOK_SECRET is not set: unsigned webhooks are accepted. Use this only on a trusted local network.");
  }
  if (!config.apiToken) logger.info("SLIPWAY_API_TOKEN is not set: the build control API (POST /builds...) answers 503");
  const nc = await connectNats(config.natsUrl, "slipway-ingress", logger);
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm, config.streams);
  const js = jetstream(nc);

  const app = buildApp({
    config,
    logger,
    accept: async (data) => {
      const id = eventIds.webhookReceived(data.deliveryId);
      await publishEvent(js, "WebhookReceived", data, { id, correlationId: data.deliveryId, causationId: null });
    },
    control: jetStreamControlStore(js, jsm),
  });
  const url = await app.listen({ host: config.host, port: config.port });
  logger.info({ url: `${url}/hook` }, "ready");

  return async () => {
    await app.close();
    await nc.drain();
  };
}
