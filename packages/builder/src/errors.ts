import { FailureStage, SlipwayError } from "@slipway/events";

/** Stable codes of the builder's failures: they travel in `BuildFailed.code`, match on them. */
export const BuilderErrorCode = {
  ContextMissing: "SLIPWAY_BUILD_CONTEXT_MISSING",
  ContextRead: "SLIPWAY_BUILD_CONTEXT_READ",
  DockerBuild: "SLIPWAY_DOCKER_BUILD_FAILED",
  DockerTag: "SLIPWAY_DOCKER_TAG_FAILED",
  DockerPush: "SLIPWAY_DOCKER_PUSH_FAILED",
  InvalidReference: "SLIPWAY_INVALID_IMAGE_REFERENCE",
  DockerUnavailable: "SLIPWAY_DOCKER_UNAVAILABLE",
  DockerIncomplete: "SLIPWAY_DOCKER_OUTPUT_INCOMPLETE",
  Timeout: "SLIPWAY_BUILD_TIMEOUT",
  Unexpected: "SLIPWAY_BUILDER_UNEXPECTED",
} as const;
export type BuilderErrorCode = (typeof BuilderErrorCode)[keyof typeof BuilderErrorCode];

/** A failure of one build job, with the stage it would be reported under in `BuildFailed`. */
export class BuilderError extends SlipwayError {
  override name = "BuilderError";
  constructor(
    code: BuilderErrorCode,
    readonly stage: FailureStage,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * A failure that another attempt cannot fix (a bad Dockerfile, a missing context, a registry that
 * refuses the push): the builder reports it at once instead of burning the remaining deliveries.
 */
export class NonRetryableError extends BuilderError {
  override name = "NonRetryableError";
}

/** The context object named by `BuildQueued` (or a large file it refers to: `part`) is not, or no longer, in the object store. */
export class ContextMissingError extends NonRetryableError {
  override name = "ContextMissingError";
  constructor(objectName: string, part?: string) {
    const what = part === undefined ? `build context ${JSON.stringify(objectName)}` : `a large file of build context ${JSON.stringify(objectName)} (${part})`;
    super(BuilderErrorCode.ContextMissing, FailureStage.context, `${what} is not in the object store (expired or never stored)`);
  }
}

/** Reading the context from the object store broke off (NATS went away, bad digest): retryable. */
export class ContextReadError extends BuilderError {
  override name = "ContextReadError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(BuilderErrorCode.ContextRead, FailureStage.context, message, options);
  }
}

/** Docker refused or failed the build; `message` is Docker's own. */
export class DockerBuildError extends NonRetryableError {
  override name = "DockerBuildError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(BuilderErrorCode.DockerBuild, FailureStage.build, message, options);
  }
}

/** Docker refused to tag the built image (e.g. a tag the reference grammar rejects). */
export class DockerTagError extends NonRetryableError {
  override name = "DockerTagError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(BuilderErrorCode.DockerTag, FailureStage.push, message, options);
  }
}

/** The push failed (registry unreachable, refused, auth); `message` is Docker's own. */
export class DockerPushError extends NonRetryableError {
  override name = "DockerPushError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(BuilderErrorCode.DockerPush, FailureStage.push, message, options);
  }
}

/**
 * Docker refused the image name or a tag (`invalid reference format`): git-sync should never queue
 * such a name, but if it does the build fails as a naming problem, with Docker's words.
 */
export class InvalidReferenceError extends NonRetryableError {
  override name = "InvalidReferenceError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(BuilderErrorCode.InvalidReference, FailureStage.naming, message, options);
  }
}

/** Whether Docker's message is its refusal of a reference or tag. */
export function isInvalidReference(message: string): boolean {
  return /^invalid (reference|tag) format/i.test(message);
}

/** The Docker engine did not answer: another builder (or a later try) may succeed. */
export class DockerUnavailableError extends BuilderError {
  override name = "DockerUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(BuilderErrorCode.DockerUnavailable, FailureStage.infrastructure, message, options);
  }
}

/** Docker's output ended without a result or an error (engine died mid-build): retryable. */
export class DockerIncompleteError extends BuilderError {
  override name = "DockerIncompleteError";
  constructor(message: string) {
    super(BuilderErrorCode.DockerIncomplete, FailureStage.infrastructure, message);
  }
}

/** Socket-level error codes: the engine is not there, as opposed to an engine that said no. */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOENT", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EACCES", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED"]);

function prop(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
}

/** Docker's own message from a dockerode HTTP error: `(HTTP code 500) server error - <message>`. */
export function daemonMessage(err: unknown): string {
  const fromJson = prop(prop(err, "json"), "message");
  if (typeof fromJson === "string" && fromJson.trim()) return fromJson.trim();
  const message = err instanceof Error ? err.message : String(err);
  const m = /^\(HTTP code \d+\)[^-]*- ([\s\S]*)$/.exec(message);
  return (m?.[1] ?? message).trim();
}

/**
 * Turns an error thrown by a dockerode request into the builder's classes: no answer from the
 * engine is retryable (`DockerUnavailableError`); an engine that answered with an HTTP error refused
 * the request itself, which a retry would repeat, so it becomes `refused(message)`.
 */
export function classifyDockerError(err: unknown, refused: (message: string, cause: unknown) => BuilderError): BuilderError {
  if (err instanceof BuilderError) return err;
  const status = prop(err, "statusCode");
  if (typeof status === "number") return refused(daemonMessage(err), err);
  const code = prop(err, "code");
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === "string" && UNREACHABLE_CODES.has(code)) {
    return new DockerUnavailableError(`Docker engine unreachable: ${message}`, { cause: err });
  }
  return new DockerUnavailableError(`Docker request failed: ${message}`, { cause: err });
}

/** The build and push took longer than `SLIPWAY_BUILD_TIMEOUT_SECONDS`: cut off, not retried. */
export class BuildTimeoutError extends NonRetryableError {
  override name = "BuildTimeoutError";
  constructor(seconds: number) {
    super(BuilderErrorCode.Timeout, FailureStage.build, `the build did not finish within ${seconds} s (SLIPWAY_BUILD_TIMEOUT_SECONDS) and was stopped`);
  }
}
