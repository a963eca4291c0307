import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import type Docker from "dockerode";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { ObjectStore } from "@nats-io/obj";
import { FailureStage, publishEvent, stableId, withHeartbeat, type BuildQueued, type Event, type EventData, type EventType, type HandlerContext } from "@slipway/events";
import type { Logger } from "@slipway/service-kit";
import { lastStartedAttempt, nextAttempt } from "./attempt.js";
import type { RegistryCredentials } from "./config.js";
import { buildImage, pushImage, tagImage } from "./docker-steps.js";
import { BuilderError, BuilderErrorCode, BuildTimeoutError, ContextMissingError, ContextReadError, NonRetryableError } from "./errors.js";
import { LogStream, type LogStreamOptions } from "./log-stream.js";
import { findTerminalPhase } from "./terminal-state.js";

/** What one build job needs; passed in, so a test or another wiring can provide its own. */
export type BuildJobDeps = {
  docker: Docker;
  js: JetStreamClient;
  /** Reads what the stream already holds for a build (its verdict, its last attempt). */
  jsm: JetStreamManager;
  contexts: ObjectStore;
  /** `BuildStarted.builder`: host and pid. */
  builderName: string;
  registry: RegistryCredentials | null;
  logger: Logger;
  /** Longest a build and its push may take before they are stopped and fail. */
  buildTimeoutSeconds: number;
  /** How often `working()` is sent while the job runs; well under the consumer's ack wait. */
  heartbeatMs: number;
  log?: Partial<LogStreamOptions>;
};

/** Publishes one event caused by the `BuildQueued`, with an id derived from the build and `idParts`. */
type Publish = <T extends EventType>(type: T, data: EventData<T>, ...idParts: string[]) => Promise<unknown>;

/**
 * Runs one `BuildQueued`: build, tag, push, with the outcome published as events before the
 * message is acked. Returns normally when the build reached a terminal event (`ImagePushed` or
 * `BuildFailed`), or already had one; throws when another delivery should try again
 * (infrastructure trouble before the last attempt, or the builder is stopping).
 */
export async function runBuildJob(deps: BuildJobDeps, event: Event<"BuildQueued">, ctx: HandlerContext): Promise<void> {
  const q = event.data;
  const finished = await findTerminalPhase(deps.jsm, q.buildId);
  if (finished !== null) {
    deps.logger.info({ buildId: q.buildId, delivery: ctx.attempt, finished }, "build already finished: redelivery acked without a rebuild");
    return;
  }
  const attempt = nextAttempt(ctx.attempt, await lastStartedAttempt(deps.jsm, q.buildId));
  const publish: Publish = (type, data, ...idParts) =>
    publishEvent(deps.js, type, data, { id: stableId(q.buildId, ...idParts), correlationId: event.correlationId, causationId: event.id });
  const log = new LogStream(async (chunk) => {
    await publish("BuildLogChunk", { buildId: q.buildId, attempt, ...chunk }, "log", String(attempt), String(chunk.seq));
  }, deps.log);
  const logger = deps.logger.child({ buildId: q.buildId, attempt, image: q.image, dockerfile: q.dockerfile });

  // Docker calls stop on either: the builder stopping (hand back) or the time limit (a verdict).
  const timeout = AbortSignal.timeout(deps.buildTimeoutSeconds * 1000);
  const signal = AbortSignal.any([ctx.signal, timeout]);

  await withHeartbeat(ctx.msg, deps.heartbeatMs, async () => {
    await publish("BuildStarted", { buildId: q.buildId, builder: deps.builderName, attempt }, "started", String(attempt));
    logger.info("build started");
    try {
      const { imageId, digest } = await buildAndPush(deps, q, attempt, log, publish, signal);
      log.write(`slipway: pushed ${q.image} tags ${q.tags.join(", ")} (${digest})\n`);
      await log.flush();
      // Terminal events carry no attempt in their id: one build ends once, even if redelivered.
      await publish("ImagePushed", { buildId: q.buildId, image: q.image, tags: [...q.tags], digest, attempt }, "pushed");
      logger.info({ imageId, digest }, "build pushed");
    } catch (err) {
      const failure = !ctx.signal.aborted && timeout.aborted ? new BuildTimeoutError(deps.buildTimeoutSeconds) : asBuilderError(err);
      if (ctx.signal.aborted) {
        // The builder is stopping: its Docker calls were cut off, which is no verdict on the build.
        // consumeEvents hands the message back at once, so another builder starts it over.
        log.write(`slipway: builder ${deps.builderName} is stopping; attempt ${attempt} handed back to another builder\n`);
        await log.flush().catch((flushErr: unknown) => logger.warn({ err: flushErr }, "could not publish the last log chunk"));
        logger.info({ reason: failure.message }, "build handed back: builder stopping");
        throw failure;
      }
      const final = failure instanceof NonRetryableError || ctx.lastAttempt;
      log.write(`slipway: ${final ? "build failed" : `attempt ${attempt} failed, will retry`} (${failure.stage}): ${failure.message}\n`);
      await log.flush().catch((flushErr: unknown) => logger.warn({ err: flushErr }, "could not publish the last log chunk"));
      // consumeEvents logs the throw and naks: the message comes back to this or another builder.
      if (!final) throw failure;
      await publish("BuildFailed", { buildId: q.buildId, stage: failure.stage, code: failure.code, message: failure.message, attempt }, "failed");
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
): Promise<{ imageId: string; digest: string }> {
  const [firstTag, ...otherTags] = q.tags;
  if (firstTag === undefined) throw new NonRetryableError(BuilderErrorCode.DockerTag, FailureStage.naming, "BuildQueued names no tag");
  const write = (text: string) => log.write(text);
  const reference = `${q.image}:${firstTag}`;
  write(`slipway: building ${q.dockerfile} of ${q.repo.key}@${q.sha} as ${reference} on ${deps.builderName} (attempt ${attempt})\n`);

  const imageId = await buildFromStore(deps, q, reference, write, signal);
  // The build's log is complete before ImageBuilt, so a reader that sees "built" sees all of it.
  await log.flush();
  await publish("ImageBuilt", { buildId: q.buildId, imageId, attempt }, "built", String(attempt));

  for (const tag of otherTags) await tagImage(deps.docker, imageId, q.image, tag);
  const digests: string[] = [];
  for (const tag of q.tags) digests.push(await pushImage(deps.docker, q.image, tag, deps.registry, write, signal));
  // Every tag names the same image, so the registry stores one manifest: the first digest is it.
  const digest = digests[0] ?? "";
  return { imageId, digest };
}

/** Streams the context tar from the object store straight into `docker build`; `stop` cuts it off. */
async function buildFromStore(deps: BuildJobDeps, q: BuildQueued, reference: string, write: (text: string) => void, stop: AbortSignal): Promise<string> {
  let object;
  try {
    object = await deps.contexts.get(q.contextObject);
  } catch (err) {
    throw new ContextReadError(`cannot read build context ${JSON.stringify(q.contextObject)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!object) throw new ContextMissingError(q.contextObject);

  // The object store's stream is a web stream; its type differs from node's only nominally.
  const web: NodeWebStream<Uint8Array> = object.data;
  const context = Readable.fromWeb(web);
  // A context that breaks off mid-read must stop the build: Docker would otherwise wait for the rest.
  const abort = new AbortController();
  let readError: unknown = null;
  context.once("error", (err) => {
    readError = err;
    abort.abort();
  });
  try {
    // Closing the request makes Docker cancel the build and remove its step container (forcerm).
    return await buildImage(deps.docker, { context, dockerfile: q.dockerfile, reference, abortSignal: AbortSignal.any([abort.signal, stop]) }, write);
  } catch (err) {
    if (readError !== null) {
      throw new ContextReadError(`build context broke off: ${readError instanceof Error ? readError.message : String(readError)}`, { cause: readError });
    }
    throw err;
  } finally {
    context.destroy();
  }
}
