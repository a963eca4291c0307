import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ensureStreams, eventIds, inboxAckPublisher, publishEvent, STREAM_EVENTS } from "@slipway/events";
import { connectNats, type Logger } from "@slipway/service-kit";
import { buildApp } from "./app.js";
import type { IngressConfig } from "./config.js";
import { jetStreamControlStore } from "./control-store.js";
import type { HookStore } from "./hook-route.js";

/** How long `/readyz` waits for the stream to answer. */
const READY_TIMEOUT_MS = 2000;

/** Starts ingress: NATS first (a hook is only accepted once it can be stored), then HTTP. */
export async function startIngress(config: IngressConfig, logger: Logger): Promise<() => Promise<void>> {
  warnAboutRisks(config, logger);
  const nc = await connectNats(config.natsUrl, "slipway-ingress", logger);
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm, config.streams);
  const js = jetstream(nc);
  const probe = await jetstreamManager(nc, { timeout: READY_TIMEOUT_MS });

  // Many hooks in flight at once: their publishes share one ack subscription and socket writes.
  const hooks = inboxAckPublisher(nc);
  const store: HookStore = {
    received: async (data) => {
      await publishEvent(hooks, "WebhookReceived", data, { id: eventIds.webhookReceived(data.deliveryId), correlationId: data.deliveryId, causationId: null });
    },
    ignored: async (data) => {
      await publishEvent(hooks, "WebhookIgnored", data, { id: eventIds.webhookIgnored(data.deliveryId), correlationId: data.deliveryId, causationId: null });
    },
  };
  const app = buildApp({
    config,
    logger,
    store,
    notReady: async () => {
      if (nc.isClosed()) return "the NATS connection is closed";
      try {
        await probe.streams.info(STREAM_EVENTS);
        return null;
      } catch (err) {
        return `stream ${STREAM_EVENTS} unreachable: ${(err as Error).message}`;
      }
    },
    control: jetStreamControlStore(js, jsm),
  });
  const url = await app.listen({ host: config.host, port: config.port });
  logger.info({ url: `${url}/hook` }, "ready");

  return async () => {
    // Stops accepting, lets requests in flight finish (their publishes are awaited), then drains.
    await app.close();
    await nc.drain();
  };
}

function warnAboutRisks(config: IngressConfig, logger: Logger): void {
  if (config.webhookSecrets.length === 0) {
    logger.warn({ host: config.host }, "SLIPWAY_WEBHOOK_SECRET is not set: unsigned webhooks are accepted. Use this only on a trusted network.");
  } else if (config.webhookSecrets.length > 1) {
    logger.info({ secrets: config.webhookSecrets.length }, "several webhook secrets configured: a signature made with any of them is accepted");
  }
  const anyOwner = config.allowedRepos?.anyOwnerGlobs ?? [];
  if (anyOwner.length > 0) {
    logger.warn({ globs: anyOwner }, "SLIPWAY_ALLOWED_REPOS has globs without an owner: they allow that name under ANY owner (write owner/name to allow one owner's repos)");
  }
  if (!config.apiToken) logger.info("SLIPWAY_API_TOKEN is not set: the build control API (POST /builds...) answers 503");
}
