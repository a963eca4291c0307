import { Type, type Static } from "@sinclair/typebox";
import { RepoRef } from "./common.js";

/** A push accepted by ingress: everything downstream needs, nothing the payload merely carried. */
export const WebhookReceived = Type.Object({
  deliveryId: Type.String({ minLength: 1, maxLength: 200 }),
  /** `push` for GitHub's push event; `manual` for a hand-made trigger without the header. */
  source: Type.Union([Type.Literal("push"), Type.Literal("manual")]),
  repo: RepoRef,
  ref: Type.String({ minLength: 1, maxLength: 1000 }),
  /** The branch when `ref` is `refs/heads/...`, else null (tags). */
  branch: Type.Union([Type.String(), Type.Null()]),
  /** The commit as the payload named it; may not exist (the seed's curl sends `"test"`). */
  requestedSha: Type.String({ maxLength: 200 }),
  /** The repository's default branch, when the payload says. */
  defaultBranch: Type.Union([Type.String(), Type.Null()]),
  pusher: Type.Union([Type.String(), Type.Null()]),
});
export type WebhookReceived = Static<typeof WebhookReceived>;
