import { Type, type Static } from "@sinclair/typebox";
import { RepoRef } from "./common.js";

/** What ingress takes from a push, whether it builds it or not. */
const PushFields = {
  deliveryId: Type.String({ minLength: 1, maxLength: 200 }),
  /** `push` for GitHub's push event; `manual` for a hand-made trigger without the header. */
  source: Type.Union([Type.Literal("push"), Type.Literal("manual")]),
  repo: RepoRef,
  ref: Type.String({ minLength: 1, maxLength: 1000 }),
  /** The branch when `ref` is `refs/heads/...`, else null (tags). */
  branch: Type.Union([Type.String(), Type.Null()]),
  /** The commit as the payload named it; may not exist (the seed's curl sends `"test"`). */
  requestedSha: Type.String({ maxLength: 200 }),
  pusher: Type.Union([Type.String(), Type.Null()]),
};

/** A push accepted by ingress: everything downstream needs, nothing the payload merely carried. */
export const WebhookReceived = Type.Object({
  ...PushFields,
  /** The repository's default branch, when the payload says. */
  defaultBranch: Type.Union([Type.String(), Type.Null()]),
});
export type WebhookReceived = Static<typeof WebhookReceived>;

/** Why ingress accepted a push (202) and built nothing. */
export const IgnoreReason = Type.Union([
  /** The push deleted its branch or tag. */
  Type.Literal("deleted"),
  /** The branch matches no glob of `SLIPWAY_BRANCHES`. */
  Type.Literal("branch-filtered"),
  /** Tags are off (`SLIPWAY_BUILD_TAGS`) or the tag matches no glob of `SLIPWAY_TAGS`. */
  Type.Literal("tag-filtered"),
  /** The head commit's message asks for no build (`[skip ci]`, `[ci skip]`, ...). */
  Type.Literal("skip-ci"),
]);
export type IgnoreReason = Static<typeof IgnoreReason>;

/**
 * A push ingress accepted and deliberately did not build: the deliveries view shows why nothing
 * ran. Carries what `WebhookReceived` would have, so the delivery reads the same either way.
 */
export const WebhookIgnored = Type.Object({
  ...PushFields,
  reason: IgnoreReason,
  /** The reason for a person, as the 202 answer said it. */
  message: Type.String({ minLength: 1, maxLength: 500 }),
});
export type WebhookIgnored = Static<typeof WebhookIgnored>;
