import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { consumeWithSlots, CONTEXT_CHUNK_BYTES, CONTEXTS_BUCKET, durables, ensureContextStore, ensureDurable, ensureStreams, watchExhausted, withHeartbeat } from "@slipway/events";
import { connectNats, type Logger } from "@slipway/service-kit";
import type { GitSyncConfig } from "./config.js";
import { IMAGE_NAME_OWNERS_BUCKET } from "./image-claims.js";
import { objectWriter } from "./object-writer.js";
import { KnownBlobs } from "./stored-blobs.js";
import { removeArchiveLeftovers } from "./archive-file.js";
import { archiveDir } from "./commit-contexts.js";
import { redactUrl } from "./redact.js";
import { RepoLanes } from "./repo-lanes.js";
import { LATEST_BUILDS_BUCKET } from "./supersede.js";
import { syncWebhook } from "./sync-webhook.js";

export const COUNTERS_BUCKET = "build-numbers";
export const DELIVERIES_BUCKET = "build-numbers-by-delivery";
const DAY_MS = 24 * 60 * 60 * 1000;

export async function startGitSync(config: GitSyncConfig, logger: Logger): Promise<() => Promise<void>> {
  const nc = await connectNats(config.natsUrl, "slipway-git-sync", logger);
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm, config.streams);
  await ensureDurable(jsm, durables.gitSync);
  const js = jetstream(nc);
  const contexts = await ensureContextStore(nc, config.streams);
  // Archives a killed git-sync left half read (their git is gone with it).
  const stale = await removeArchiveLeftovers(archiveDir(config.dataDir));
  if (stale > 0) logger.info({ removed: stale }, "removed archive files a previous git-sync left");
  const contextWriter = objectWriter(nc, jsm, CONTEXTS_BUCKET, { chunkBytes: CONTEXT_CHUNK_BYTES });
  const kvm = new Kvm(nc);
  const counters = await kvm.create(COUNTERS_BUCKET, { history: 1, replicas: config.streams.replicas });
  const deliveries = await kvm.create(DELIVERIES_BUCKET, { history: 1, ttl: 7 * DAY_MS, replicas: config.streams.replicas });
  const imageOwners = await kvm.create(IMAGE_NAME_OWNERS_BUCKET, { history: 1, replicas: config.streams.replicas });
  const supersede = config.autoCancelSuperseded ? { jsm, latest: await kvm.create(LATEST_BUILDS_BUCKET, { history: 1, replicas: config.streams.replicas }) } : null;
  const deps = { config, js, contexts, contextWriter, knownBlobs: new KnownBlobs(), counters, deliveries, imageOwners, logger, supersede };

  const lanes = new RepoLanes();
  // A webhook whose last delivery died with its git-sync process gets one more, final try here,
  // whose failure path publishes the verdicts (RepoSyncFailed, or BuildFailed per unqueued build).
  const exhausted = watchExhausted(nc, jsm, durables.gitSync, logger, async (event) => {
    if (event.type === "WebhookReceived") await lanes.run(event.data.repo.key, () => syncWebhook(deps, event, { lastAttempt: true }));
  });
  const consumer = await js.consumers.get(durables.gitSync.stream, durables.gitSync.name);
  const loop = consumeWithSlots(
    consumer,
    async (event, ctx) => {
      if (event.type !== "WebhookReceived") return;
      // A large clone (or waiting behind one of the same repo) can outlast the ack wait: say we are still on it.
      await withHeartbeat(ctx.msg, 10_000, () => lanes.run(event.data.repo.key, () => syncWebhook(deps, event, ctx)));
    },
    { logger, maxDeliver: durables.gitSync.maxDeliver, slots: config.syncConcurrency },
  );
  logger.info({ gitUrl: redactUrl(config.gitUrl.template), allowedRepos: config.allowedRepos?.globs ?? "all", dataDir: config.dataDir, registry: config.registry, imageOwnerPrefix: config.imageOwnerPrefix, autoCancelSuperseded: config.autoCancelSuperseded, syncConcurrency: config.syncConcurrency }, "ready");

  return async () => {
    await loop.stop();
    exhausted.unsubscribe();
    await nc.drain();
  };
}
