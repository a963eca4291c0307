import { Type, type Static } from "@sinclair/typebox";
import { BuildId, GitSha, RepoRef } from "./common.js";

/** One Dockerfile of one push, waiting for a builder. Carries all a builder needs. */
export const BuildQueued = Type.Object({
  buildId: BuildId,
  deliveryId: Type.String({ minLength: 1 }),
  repo: RepoRef,
  sha: GitSha,
  branch: Type.Union([Type.String(), Type.Null()]),
  dockerfile: Type.String({ minLength: 1 }),
  /** Full repository reference without tag, e.g. `127.0.0.1:5500/fruty_docker-ci_test`. */
  image: Type.String({ minLength: 1 }),
  tags: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1 }),
  buildNumber: Type.Integer({ minimum: 1 }),
  contextObject: Type.String({ minLength: 1 }),
  /** Where the source lives, for the image's `org.opencontainers.image.source` label (credentials removed). */
  source: Type.Optional(Type.String({ maxLength: 2000 })),
  /** Set on a retry: the build this one repeats (same commit and Dockerfile). */
  retryOf: Type.Optional(BuildId),
  /** Who asked for a retry (the API's caller); absent for pushes. */
  requestedBy: Type.Optional(Type.String({ maxLength: 200 })),
});
export type BuildQueued = Static<typeof BuildQueued>;

export const BuildStarted = Type.Object({
  buildId: BuildId,
  /** Which builder process took it (host and pid), for operators. */
  builder: Type.String(),
  attempt: Type.Integer({ minimum: 1 }),
});
export type BuildStarted = Static<typeof BuildStarted>;

export const ImageBuilt = Type.Object({
  buildId: BuildId,
  imageId: Type.String({ minLength: 1 }),
  attempt: Type.Integer({ minimum: 1 }),
});
export type ImageBuilt = Static<typeof ImageBuilt>;

export const ImagePushed = Type.Object({
  buildId: BuildId,
  image: Type.String({ minLength: 1 }),
  tags: Type.Array(Type.String()),
  /** The registry's manifest digest, `sha256:...`. */
  digest: Type.String({ pattern: "^sha256:[0-9a-f]{64}$" }),
  attempt: Type.Integer({ minimum: 1 }),
});
export type ImagePushed = Static<typeof ImagePushed>;

/** Where a build failed: a closed set, so the view and alerts can group failures. */
export const FailureStage = {
  naming: "naming",
  context: "context",
  build: "build",
  push: "push",
  infrastructure: "infrastructure",
} as const;
export type FailureStage = (typeof FailureStage)[keyof typeof FailureStage];

export const BuildFailed = Type.Object({
  buildId: BuildId,
  stage: Type.Union(Object.values(FailureStage).map((s) => Type.Literal(s))),
  code: Type.String(),
  /** Docker's own message where Docker failed (e.g. `The command '/bin/sh -c false' returned ...`). */
  message: Type.String(),
  attempt: Type.Integer({ minimum: 0 }),
});
export type BuildFailed = Static<typeof BuildFailed>;

/** Someone (or the auto-cancel of superseded builds) asked to stop a build; the builder decides. */
export const BuildCancelRequested = Type.Object({
  buildId: BuildId,
  /** Who asked: the API caller's name, or `slipway` for automatic cancels. */
  requestedBy: Type.String({ minLength: 1, maxLength: 200 }),
  reason: Type.String({ maxLength: 1000 }),
});
export type BuildCancelRequested = Static<typeof BuildCancelRequested>;

export const BuildCancelled = Type.Object({
  buildId: BuildId,
  reason: Type.String(),
  /** Who asked (from `BuildCancelRequested`). */
  requestedBy: Type.Optional(Type.String()),
  /** The attempt that was running; 0 when the build was dropped before it started. */
  attempt: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type BuildCancelled = Static<typeof BuildCancelled>;

/**
 * A builder gave a job back without a verdict (graceful stop, rolling restart): that attempt does
 * not count against the build's allowed attempts.
 */
export const BuildHandedBack = Type.Object({
  buildId: BuildId,
  attempt: Type.Integer({ minimum: 1 }),
  builder: Type.String(),
  reason: Type.String(),
});
export type BuildHandedBack = Static<typeof BuildHandedBack>;
