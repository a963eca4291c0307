import Docker from "dockerode";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { consumeEvents, durables, ensureContextStore, ensureDurable, ensureStreams } from "@slipway/events";
import { connectNats, type Logger } from "@slipway/service-kit";
import { runBuildJob } from "./build-job.js";
import { describeConfig, type BuilderConfig } from "./config.js";
import { watchExhaustedBuilds } from "./exhausted.js";
import type { LogStreamOptions } from "./log-stream.js";

export type BuilderOptions = {
  config: BuilderConfig;
  logger: Logger;
  /** Defaults to dockerode's own choice (`DOCKER_HOST`, else the local socket). */
  docker?: Docker;
  heartbeatMs?: number;
  log?: Partial<LogStreamOptions>;
};

export type Builder = {
  /**
   * Stops pulling and cuts off the build in hand (its job is handed back at once for another
   * builder, with no verdict published), then drains NATS: a stop takes seconds, not a build's length.
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

/** Starts one builder: one build at a time from the durable consumer every builder shares. */
export async function startBuilder(options: BuilderOptions): Promise<Builder> {
  const { config, logger } = options;
  const docker = options.docker ?? new Docker();
  const spec = durables.builders;

  const nc = await connectNats(config.natsUrl, `slipway-builder ${config.builderName}`, logger);
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  await ensureStreams(jsm, config.streams);
  const contexts = await ensureContextStore(nc, config.streams);
  await ensureDurable(jsm, spec);

  // Not fatal: a builder may start before its engine; each job reports (and retries) on its own.
  await pingDocker(docker, 5_000).catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, "Docker engine does not answer yet"));

  const deps = { docker, js, jsm, contexts, builderName: config.builderName, registry: config.registry, logger, heartbeatMs: options.heartbeatMs ?? 10_000, buildTimeoutSeconds: config.buildTimeoutSeconds, log: options.log };
  const exhausted = watchExhaustedBuilds(nc, jsm, js, spec, logger);
  const consumer = await js.consumers.get(spec.stream, spec.name);
  const loop = consumeEvents(
    consumer,
    async (event, ctx) => {
      // The filter lets only `ci.build.*.queued` through; anything else is acked and ignored.
      if (event.type !== "BuildQueued") return;
      await runBuildJob(deps, event, ctx);
    },
    { logger, maxDeliver: spec.maxDeliver, retryDelayMs: buildRetryDelayMs },
  );
  logger.info({ config: describeConfig(config), consumer: spec.name }, "ready");

  let stopping = false;
  return {
    ended: loop.done.then(() => {
      if (!stopping) throw new Error("the builders consumer loop ended");
    }),
    async stop() {
      stopping = true;
      await loop.stop();
      exhausted.unsubscribe();
      await nc.drain();
    },
  };
}
