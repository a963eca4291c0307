import type Docker from "dockerode";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { ObjectStore } from "@nats-io/obj";
import { ContextPartMissingError, contextTar, eventIds, FailureStage, nextAttemptNumber, publishEvent, readBuildRecord, usedAttempts, withHeartbeat, type BuildQueued, type Event, type EventData, type EventType, type HandlerContext } from "@slipway/events";
import type { Logger } from "@slipway/service-kit";
import type { BackendChooser } from "./build-backend.js";
import { buildWithBuildKit } from "./buildkit-build.js";
import type { CancelHandle, RunningBuilds } from "./cancels.js";
import type { BuilderConfig } from "./config.js";
import { buildImage } from "./docker-steps.js";
import { openContext } from "./context-read.js";
import { BuilderError, BuilderErrorCode, BuildTimeoutError, classifyDockerError, ContextMissingError, ContextReadError, DockerBuildError, DockerIncompleteError, NonRetryableError } from "./errors.js";
import { appendToDockerfile, labelInstruction } from "./context-labels.js";
import { imageLabels } from "./image-labels.js";
import { LogStream, type LogStreamOptions } from "./log-stream.js";
import { isImmutableTag, pushTags, type PushOutcome } from "./push-tags.js";
import type { TagGuard } from "./tag-guard.js";

/** What one build job needs; passed in, so a test or another wiring can provide its own. */
export type BuildJobDeps = {
  docker: Docker;
  js: JetStreamClient;
  /** Reads what the stream already holds for a build (its verdict, its attempts, cancel requests). */
  jsm: JetStreamManager;
  contexts: ObjectStore;
  tagGuard: TagGuard;
  backend: BackendChooser;
  running: RunningBuilds;
  config: Pick<BuilderConfig, "builderName" | "registry" | "buildTimeoutSeconds" | "maxAttempts" | "pushRetry" | "logMaxBytes" | "buildArgs" | "cacheFromPrevious">;
  logger: Logger;
  /** How often `working()` is sent while the job runs; well under the consumer's ack wait. */
  heartbeatMs: number;
  log?: Partial<LogStreamOptions>;
};

/** `BuildFailed.code` when a build used all its attempts without a verdict (its builders died or hung). */
export const BUILD_ABANDONED = "SLIPWAY_BUILD_ABANDONED";

/** Publishes one event caused by the `BuildQueued`, with the id `eventIds` gives it. */
type Publish = <T extends EventType>(type: T, data: EventData<T>, id: string) => Promise<unknown>;

/**
 * Runs one `BuildQueued`: build, tag, push, with the outcome published as events before the
 * message is acked. Returns normally when the build reached its verdict (`ImagePushed`,
 * `BuildFailed`, `BuildCancelled`), or already had one; throws when another delivery should try
 * again (infrastructure trouble before the last attempt, or the builder is stopping).
 */
export async function runBuildJob(deps: BuildJobDeps, event: Event<"BuildQueued">, ctx: HandlerContext): Promise<void> {
  const q = event.data;
  const cancel = deps.running.track(q.buildId);
  try {
    await runTracked(deps, event, ctx, cancel);
  } finally {
    cancel.release();
  }
}

async function runTracked(deps: BuildJobDeps, event: Event<"BuildQueued">, ctx: HandlerContext, cancel: CancelHandle): Promise<void> {
  const q = event.data;
  const { config } = deps;
  const publish: Publish = (type, data, id) => publishEvent(deps.js, type, data, { id, correlationId: event.correlationId, causationId: event.id });
  const record = await readBuildRecord(deps.jsm, q.buildId);
  if (record.terminal !== null) {
    deps.logger.info({ buildId: q.buildId, delivery: ctx.attempt, finished: record.terminal }, "build already finished: redelivery acked without a rebuild");
    return;
  }
  if (record.cancelRequest) {
    const { requestedBy, reason } = record.cancelRequest;
    await publish("BuildCancelled", { buildId: q.buildId, reason, requestedBy, attempt: 0 }, eventIds.verdict(q.buildId));
    deps.logger.info({ buildId: q.buildId, requestedBy }, "queued build cancelled before it started");
    return;
  }
  const used = usedAttempts(record);
  if (used >= config.maxAttempts) {
    const message = `abandoned after ${used} attempts: no builder finished the build (builders crashed, were killed or lost their connection)`;
    await publish("BuildFailed", { buildId: q.buildId, stage: FailureStage.infrastructure, code: BUILD_ABANDONED, message, attempt: used }, eventIds.verdict(q.buildId));
    deps.logger.warn({ buildId: q.buildId, attempts: used }, "build abandoned");
    return;
  }
  const attempt = nextAttemptNumber(record);
  const lastAttempt = used + 1 >= config.maxAttempts;
  const log = new LogStream(async (chunk) => {
    await publish("BuildLogChunk", { buildId: q.buildId, attempt, ...chunk }, eventIds.logChunk(q.buildId, attempt, chunk.seq));
  }, { maxBytes: config.logMaxBytes, ...deps.log });
  const logger = deps.logger.child({ buildId: q.buildId, attempt, image: q.image, dockerfile: q.dockerfile });

  // Docker calls stop on any of: the builder stopping (hand back), the time limit, a cancel (verdicts).
  const timeout = AbortSignal.timeout(config.buildTimeoutSeconds * 1000);
  const signal = AbortSignal.any([ctx.signal, timeout, cancel.signal]);
  const finish = async (note: string) => {
    log.note(note);
    await log.flush().catch((flushErr: unknown) => logger.warn({ err: flushErr }, "could not publish the last log chunk"));
  };

  await withHeartbeat(ctx.msg, deps.heartbeatMs, async () => {
    await publish("BuildStarted", { buildId: q.buildId, builder: config.builderName, attempt }, eventIds.buildStarted(q.buildId, attempt));
    logger.info("build started");
    try {
      const { imageId, outcome } = await buildAndPush(deps, q, attempt, log, publish, signal);
      await finish(`slipway: pushed ${q.image} tags ${outcome.pushed.join(", ")} (${outcome.digest})\n`);
      await publish("ImagePushed", { buildId: q.buildId, image: q.image, tags: outcome.pushed, digest: outcome.digest, attempt }, eventIds.verdict(q.buildId));
      logger.info({ imageId, digest: outcome.digest, skipped: outcome.skipped }, "build pushed");
    } catch (err) {
      if (cancel.signal.aborted) {
        const requestedBy = cancel.request?.requestedBy ?? "unknown";
        const reason = cancel.request?.reason ?? "";
        await finish(`slipway: cancelled by ${requestedBy}${reason ? `: ${reason}` : ""}\n`);
        await publish("BuildCancelled", { buildId: q.buildId, reason, requestedBy, attempt }, eventIds.verdict(q.buildId));
        logger.info({ requestedBy }, "build cancelled");
        return;
      }
      const failure = !ctx.signal.aborted && timeout.aborted ? new BuildTimeoutError(config.buildTimeoutSeconds) : asBuilderError(err);
      if (ctx.signal.aborted) {
        // The builder is stopping: its Docker calls were cut off, which is no verdict on the build.
        // Recorded as handed back, the attempt does not count against the build's limit.
        await finish(`slipway: builder ${config.builderName} is stopping; attempt ${attempt} handed back to another builder\n`);
        await publish("BuildHandedBack", { buildId: q.buildId, attempt, builder: config.builderName, reason: "builder stopping" }, eventIds.handedBack(q.buildId, attempt));
        logger.info({ reason: failure.message }, "build handed back: builder stopping");
        throw failure;
      }
      const final = failure instanceof NonRetryableError || lastAttempt;
      await finish(`slipway: ${final ? "build failed" : `attempt ${attempt} failed, will retry`} (${failure.stage}): ${failure.message}\n`);
      // consumeEvents logs the throw and naks: the message comes back to this or another builder.
      if (!final) throw failure;
      await publish("BuildFailed", { buildId: q.buildId, stage: failure.stage, code: failure.code, message: failure.message, attempt }, eventIds.verdict(q.buildId));
      logger.info({ code: failure.code, stage: failure.stage, reason: failure.message }, "build failed");
    }
  });
}

function asBuilderError(err: unknown): BuilderError {
  if (err instanceof BuilderError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BuilderError(BuilderErrorCode.Unexpected, FailureStage.infrastructure, message, { cause: err });
}

async function buildAndPush(
  deps: BuildJobDeps,
  q: BuildQueued,
  attempt: number,
  log: LogStream,
  publish: Publish,
  signal: AbortSignal,
): Promise<{ imageId: string; outcome: PushOutcome }> {
  const firstTag = q.tags[0];
  if (firstTag === undefined) throw new NonRetryableError(BuilderErrorCode.DockerTag, FailureStage.naming, "BuildQueued names no tag");
  const reference = `${q.image}:${firstTag}`;
  log.note(`slipway: building ${q.dockerfile} of ${q.repo.key}@${q.sha} as ${reference} on ${deps.config.builderName} (attempt ${attempt})\n`);

  // Build output waits for the log publisher (backpressure); slipway's own push notes always pass.
  const imageId = await buildFromStore(deps, q, reference, log, signal);
  // The build's log is complete before ImageBuilt, so a reader that sees "built" sees all of it.
  await log.flush();
  await publish("ImageBuilt", { buildId: q.buildId, imageId, attempt }, eventIds.imageBuilt(q.buildId, attempt));

  const outcome = await pushTags({ docker: deps.docker, registry: deps.config.registry, pushRetry: deps.config.pushRetry, tagGuard: deps.tagGuard }, q, imageId, (text) => log.note(text), signal);
  if (!outcome.digest) throw new DockerIncompleteError(`no tag of ${q.image} was pushed`);
  return { imageId, outcome };
}

/** Streams the context tar from the object store straight into `docker build`; `stop` cuts it off. */
async function buildFromStore(deps: BuildJobDeps, q: BuildQueued, reference: string, log: LogStream, stop: AbortSignal): Promise<string> {
  const { backend } = await deps.backend.get().catch((err: unknown) => {
    throw classifyDockerError(err, (message, cause) => new DockerBuildError(message, { cause }));
  });
  let object;
  try {
    object = await openContext(deps.contexts, q.contextObject, {
      signal: stop,
      onRetry: (err, waitMs) => deps.logger.warn({ buildId: q.buildId, err: err instanceof Error ? err.message : String(err), waitMs }, "build context not readable yet: trying again"),
    });
  } catch (err) {
    throw new ContextReadError(`cannot read build context ${JSON.stringify(q.contextObject)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!object) throw new ContextMissingError(q.contextObject);

  // The tar itself, or assembled from a spliced context's records and the large files they name.
  const context = contextTar({ store: deps.contexts, direct: deps.jsm.direct }, object);
  // A context that breaks off mid-read must stop the build: Docker would otherwise wait for the rest.
  const abort = new AbortController();
  let readError: unknown = null;
  context.once("error", (err) => {
    readError = err;
    abort.abort();
  });
  // A fresh builder host has no local cache: the previous image of this branch in the registry,
  // pushed with inline cache metadata, lets it reuse layers (steps report CACHED).
  const useCacheFrom = deps.config.cacheFromPrevious === "auto" ? backend === "buildkit" : deps.config.cacheFromPrevious;
  const cacheFrom = useCacheFrom ? q.tags.filter((t) => !isImmutableTag(q, t)).map((t) => `${q.image}:${t}`) : [];
  const request = { dockerfile: q.dockerfile, reference, cacheFrom, abortSignal: AbortSignal.any([abort.signal, stop]) };
  const write = (text: string) => log.write(text);
  const ready = () => log.ready();
  try {
    // Closing the request makes Docker cancel the build and remove its step containers.
    if (backend === "buildkit") {
      // Inline cache metadata in the image: the next build on any host can use it as a cache source.
      const buildArgs = { ...deps.config.buildArgs, BUILDKIT_INLINE_CACHE: "1" };
      return await buildWithBuildKit(deps.docker, { ...request, context, labels: imageLabels(q), buildArgs }, write, ready);
    }
    // One LABEL step for all labels (the legacy build API's `labels` option costs a step each).
    const labelled = appendToDockerfile(context, q.dockerfile, labelInstruction(imageLabels(q)));
    labelled.once("error", (err) => {
      readError ??= err;
      abort.abort();
    });
    return await buildImage(deps.docker, { ...request, context: labelled, buildArgs: { ...deps.config.buildArgs } }, write, ready);
  } catch (err) {
    if (readError instanceof ContextPartMissingError) throw new ContextMissingError(q.contextObject, readError.part);
    if (readError !== null) {
      throw new ContextReadError(`build context broke off: ${readError instanceof Error ? readError.message : String(readError)}`, { cause: readError });
    }
    throw err;
  } finally {
    context.destroy();
  }
}
