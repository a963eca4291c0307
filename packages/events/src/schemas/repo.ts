import { Type, type Static } from "@sinclair/typebox";
import { GitSha, RepoRef } from "./common.js";

/** One build context of a commit: a tar in the contexts object store. */
export const ContextRef = Type.Object({
  object: Type.String({ minLength: 1 }),
  bytes: Type.Integer({ minimum: 0 }),
  dockerfiles: Type.Array(Type.String()),
});
export type ContextRef = Static<typeof ContextRef>;

/** git-sync fetched the repo and stored the build contexts of one commit. */
export const RepoUpdated = Type.Object({
  deliveryId: Type.String({ minLength: 1 }),
  repo: RepoRef,
  ref: Type.String(),
  branch: Type.Union([Type.String(), Type.Null()]),
  sha: GitSha,
  /** Whether `sha` is the payload's commit (true) or the tip of `ref` (the payload's was unknown). */
  shaFromPayload: Type.Boolean(),
  defaultBranch: Type.Union([Type.String(), Type.Null()]),
  /** Name of the context tar in the contexts object store: the first in `contexts`. */
  contextObject: Type.String({ minLength: 1 }),
  /** Size of that tar, after its .dockerignore. */
  contextBytes: Type.Integer({ minimum: 0 }),
  dockerfiles: Type.Array(Type.String()),
  buildNumber: Type.Integer({ minimum: 1 }),
  /**
   * Every context stored for the commit (their ignore files differ), with the Dockerfiles built
   * from each; absent in events written before contexts were per ignore file.
   */
  contexts: Type.Optional(Type.Array(ContextRef)),
});
export type RepoUpdated = Static<typeof RepoUpdated>;

/** git-sync could not fetch or resolve the push: no build follows. */
export const RepoSyncFailed = Type.Object({
  deliveryId: Type.String({ minLength: 1 }),
  repo: RepoRef,
  ref: Type.String(),
  code: Type.String(),
  message: Type.String(),
});
export type RepoSyncFailed = Static<typeof RepoSyncFailed>;
