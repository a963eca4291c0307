import Docker from "dockerode";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { consumeWithSlots, decodeEvent, durables, ensureContextStore, ensureDurable, ensureStreams, filters, type DurableSpec } from "@slipway/events";
import { connectNats, type Logger } from "@slipway/service-kit";
import { runBuildJob } from "./build-job.js";
import { BackendChooser } from "./build-backend.js";
import { RunningBuilds } from "./cancels.js";
import { describeConfig, type BuilderConfig } from "./config.js";
import { watchExhaustedBuilds } from "./exhausted.js";
import type { LogStreamOptions } from "./log-stream.js";
import { TAG_OWNERS_BUCKET, TagGuard } from "./tag-guard.js";

export type BuilderOptions = {
  config: BuilderConfig;
  logger: Logger;
  /** Defaults to dockerode's own choice (`DOCKER_HOST`, else the local socket). */
  docker?: Docker;
  log?: Partial<LogStreamOptions>;
};

export type Builder = {
  /**
   * Stops pulling and cuts off the builds in hand (their jobs are handed back at once for another
   * builder, recorded as hand-backs, with no verdict), then drains NATS: a stop takes seconds, not a
   * build's length.
   */
  stop(): Promise<void>;
  /** Settles when the consume loop ends on its own (the consumer went away): the process should exit. */
  ended: Promise<void>;
};

/** Pings the engine, giving up after `ms` (a blackholed DOCKER_HOST would otherwise hang the start). */
async function pingDocker(docker: Docker, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([docker.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Gives an engine that went away a few seconds to come back (a restart) before the next try. */
export function buildRetryDelayMs(attempt: number): number {
  return Math.min(60_000, 2000 * 4 ** (attempt - 1));
}

/**
 * The shared builders consumer as this config wants it. Deliveries are a safety net above the
 * builder's own attempt count: hand-backs need deliveries but use no attempt.
 */
export function buildersDurable(config: Pick<BuilderConfig, "ackWaitMs" | "maxAttempts">): DurableSpec {
  return { ...durables.builders, ackWaitMs: config.ackWaitMs, maxDeliver: config.maxAttempts + 20 };
}

/** Starts one builder process: `config.concurrency` builds at once from the consumer every builder shares. */
export async function startBuilder(options: BuilderOptions): Promise<Builder> {
  const { config, logger } = options;
  const docker = options.docker ?? new Docker();
  const spec = buildersDurable(config);

  const nc = await connectNats(config.natsUrl, `slipway-builder ${config.builderName}`, logger);
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  await ensureStreams(jsm, config.streams);
  const contexts = await ensureContextStore(nc, config.streams);
  await ensureDurable(jsm, spec);
  const tagOwners = await new Kvm(nc).create(TAG_OWNERS_BUCKET, { history: 1, replicas: config.streams.replicas });

  // Not fatal: a builder may start before its engine; each job reports (and retries) on its own.
  const engineUp = await pingDocker(docker, 5_000).then(
    () => true,
    (err: unknown) => {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "Docker engine does not answer yet");
      return false;
    },
  );

  const running = new RunningBuilds();
  // Cancel requests are stored events; a plain subscription hears them as they are stored, so the
  // builder holding the build stops it at once (a queued one finds its request when it arrives).
  const cancels = nc.subscribe(filters.cancelRequests, {
    callback: (err, msg) => {
      if (err) return logger.warn({ err }, "cancel subscription failed");
      try {
        const event = decodeEvent(msg.data);
        if (event.type === "BuildCancelRequested" && running.cancel(event.data)) logger.info({ buildId: event.data.buildId, requestedBy: event.data.requestedBy }, "cancelling build");
      } catch (decodeErr) {
        logger.warn({ err: decodeErr, subject: msg.subject }, "unreadable cancel request ignored");
      }
    },
  });

  const backend = new BackendChooser(docker, config.backend);
  const deps = { docker, js, jsm, contexts, tagGuard: new TagGuard(tagOwners), backend, running, config, logger, heartbeatMs: Math.max(500, Math.floor(config.ackWaitMs / 3)), log: options.log };
  const exhausted = watchExhaustedBuilds(nc, jsm, js, spec, logger);
  const consumer = await js.consumers.get(spec.stream, spec.name);
  const loop = consumeWithSlots(
    consumer,
    async (event, ctx) => {
      // The filter lets only `ci.build.*.queued` through; anything else is acked and ignored.
      if (event.type !== "BuildQueued") return;
      await runBuildJob(deps, event, ctx);
    },
    { logger, maxDeliver: spec.maxDeliver, retryDelayMs: buildRetryDelayMs, slots: config.concurrency },
  );
  // Said at start, so an operator sees which builder runs the builds (and why) before the first one.
  const chosen = engineUp ? await backend.get().catch(() => null) : null;
  logger.info({ config: describeConfig(config), consumer: spec.name, backend: chosen ?? "chosen when the engine answers" }, "ready");

  let stopping = false;
  return {
    ended: loop.done.then(() => {
      if (!stopping) throw new Error("the builders consumer loop ended");
    }),
    async stop() {
      stopping = true;
      await loop.stop();
      cancels.unsubscribe();
      exhausted.unsubscribe();
      await nc.drain();
    },
  };
}
