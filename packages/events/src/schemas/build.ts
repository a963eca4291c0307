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

export const BuildCancelled = Type.Object({
  buildId: BuildId,
  reason: Type.String(),
});
export type BuildCancelled = Static<typeof BuildCancelled>;
