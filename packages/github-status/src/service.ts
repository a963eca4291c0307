import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { consumeWithSlots, durables, ensureDurable, ensureStreams, withHeartbeat } from "@slipway/events";
import { connectNats, type Logger } from "@slipway/service-kit";
import type { GithubStatusConfig } from "./config.js";
import { githubClient } from "./github-client.js";
import { handleStatusEvent, type HandlerDeps } from "./handle-event.js";
import { streamHistory } from "./history.js";
import { GITHUB_STATUSES_BUCKET, postedStatuses } from "./posted-store.js";

/** Well inside the consumer's 10 s ack wait, so retries and slow answers keep the message. */
const HEARTBEAT_MS = 3_000;

/** Waits before a message GitHub could not take comes back: 1 s doubling, at most a minute. */
export function redeliveryDelayMs(attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/**
 * Consumes build events one at a time, in stream order, and posts their commit statuses. One
 * slot: order per build comes from the stream, and a message never waits in a client buffer.
 */
export async function startGithubStatus(config: GithubStatusConfig, logger: Logger): Promise<() => Promise<void>> {
  const nc = await connectNats(config.natsUrl, "slipway-github-status", logger);
  try {
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, config.streams);
    await ensureDurable(jsm, durables.githubStatus);
    const kv = await new Kvm(nc).create(GITHUB_STATUSES_BUCKET, { history: 1, replicas: config.streams.replicas, description: "slipway: commit statuses GitHub accepted, by build and phase" });
    const deps: HandlerDeps = {
      github: githubClient({ token: config.token, apiUrl: config.apiUrl, retries: config.retries, retryDelayMs: config.retryDelayMs, timeoutMs: config.requestTimeoutMs, logger }),
      history: streamHistory(jsm),
      posted: postedStatuses(kv),
      options: { contextPrefix: config.contextPrefix, publicUrl: config.publicUrl },
      logger,
    };
    const consumer = await jetstream(nc).consumers.get(durables.githubStatus.stream, durables.githubStatus.name);
    let stopping = false;
    const loop = consumeWithSlots(
      consumer,
      async (event, ctx) => {
        await withHeartbeat(ctx.msg, HEARTBEAT_MS, () => handleStatusEvent(deps, event, ctx));
      },
      { logger, maxDeliver: durables.githubStatus.maxDeliver, slots: 1, retryDelayMs: redeliveryDelayMs },
    );
    void loop.done.then(
      () => {
        if (!stopping) logger.error("build events consumer ended unexpectedly");
      },
      (err: unknown) => logger.error({ err }, "build events consumer failed"),
    );
    logger.info({ apiUrl: config.apiUrl, publicUrl: config.publicUrl, contextPrefix: config.contextPrefix }, "ready");
    return async () => {
      stopping = true;
      await loop.stop();
      await nc.drain();
    };
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw err;
  }
}
