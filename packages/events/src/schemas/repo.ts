import { Type, type Static } from "@sinclair/typebox";
import { GitSha, RepoRef } from "./common.js";

/** git-sync fetched the repo and stored the build context of one commit. */
export const RepoUpdated = Type.Object({
  deliveryId: Type.String({ minLength: 1 }),
  repo: RepoRef,
  ref: Type.String(),
  branch: Type.Union([Type.String(), Type.Null()]),
  sha: GitSha,
  /** Whether `sha` is the payload's commit (true) or the tip of `ref` (the payload's was unknown). */
  shaFromPayload: Type.Boolean(),
  defaultBranch: Type.Union([Type.String(), Type.Null()]),
  /** Name of the `git archive` tar in the contexts object store. */
  contextObject: Type.String({ minLength: 1 }),
  contextBytes: Type.Integer({ minimum: 0 }),
  dockerfiles: Type.Array(Type.String()),
  buildNumber: Type.Integer({ minimum: 1 }),
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
