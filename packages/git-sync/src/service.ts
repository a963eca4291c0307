import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { consumeEvents, durables, ensureContextStore, ensureDurable, ensureStreams, watchExhausted } from "@slipway/events";
import { connectNats, type Logger } from "@slipway/service-kit";
import type { GitSyncConfig } from "./config.js";
import { reportSyncFailed, syncWebhook } from "./sync-webhook.js";

export const COUNTERS_BUCKET = "build-numbers";

export async function startGitSync(config: GitSyncConfig, logger: Logger): Promise<() => Promise<void>> {
  const nc = await connectNats(config.natsUrl, "slipway-git-sync", logger);
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm);
  await ensureDurable(jsm, durables.gitSync);
  const js = jetstream(nc);
  const contexts = await ensureContextStore(nc);
  const counters = await new Kvm(nc).create(COUNTERS_BUCKET, { history: 1 });
  const deps = { config, js, contexts, counters, logger };

  // A webhook whose last delivery died with its git-sync process still ends, as RepoSyncFailed.
  const exhausted = watchExhausted(nc, jsm, durables.gitSync, logger, async (event, deliveries) => {
    if (event.type !== "WebhookReceived") return;
    await reportSyncFailed(deps, event, "GIT_SYNC_ATTEMPTS_EXHAUSTED", `no git-sync finished the webhook in ${deliveries} attempts`);
  });
  const consumer = await js.consumers.get(durables.gitSync.stream, durables.gitSync.name);
  const loop = consumeEvents(
    consumer,
    async (event, ctx) => {
      if (event.type !== "WebhookReceived") return;
      await syncWebhook(deps, event, ctx);
    },
    { logger, maxDeliver: durables.gitSync.maxDeliver },
  );
  logger.info({ gitUrl: config.gitUrl.template, dataDir: config.dataDir, registry: config.registry }, "ready");

  return async () => {
    await loop.stop();
    exhausted.unsubscribe();
    await nc.drain();
  };
}
