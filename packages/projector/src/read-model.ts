import { Type, type Static, type TSchema } from "@sinclair/typebox";

/**
 * The projector's read model: what the API serves. The shapes are the HTTP contract (the
 * dashboard and other services' tests read them) and the snapshot format, so they are TypeBox
 * schemas: a snapshot read back from disk is checked against them, never cast.
 */

/** Where a build is; `succeeded`, `failed` and `cancelled` are terminal. */
export const BuildStatus = {
  queued: "queued",
  running: "running",
  succeeded: "succeeded",
  failed: "failed",
  cancelled: "cancelled",
} as const;
export type BuildStatus = (typeof BuildStatus)[keyof typeof BuildStatus];

export function isTerminal(status: BuildStatus): boolean {
  return status === BuildStatus.succeeded || status === BuildStatus.failed || status === BuildStatus.cancelled;
}

/**
 * Where a webhook delivery is; the latest sync verdict wins. `sync_failed` is usually a delivery
 * that never got builds; after a RepoUpdated it keeps what the sync found (sha, Dockerfiles).
 * `ignored` is a push ingress accepted and deliberately did not build (`ignored` says why).
 */
export const DeliveryStatus = {
  received: "received",
  synced: "synced",
  syncFailed: "sync_failed",
  ignored: "ignored",
} as const;
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus];

const Nullable = <S extends TSchema>(s: S) => Type.Union([s, Type.Null()]);

/** One event that shaped a build, in stream order. */
export const AppliedEvent = Type.Object({
  /** CI_EVENTS stream sequence. */
  seq: Type.Integer({ minimum: 1 }),
  type: Type.String(),
  id: Type.String(),
  time: Type.String(),
});
export type AppliedEvent = Static<typeof AppliedEvent>;

export const BuildError = Type.Object({ stage: Type.String(), code: Type.String(), message: Type.String() });
export type BuildError = Static<typeof BuildError>;

export const BuildView = Type.Object({
  id: Type.String(),
  status: Type.Union([
    Type.Literal(BuildStatus.queued),
    Type.Literal(BuildStatus.running),
    Type.Literal(BuildStatus.succeeded),
    Type.Literal(BuildStatus.failed),
    Type.Literal(BuildStatus.cancelled),
  ]),
  /** The repo key (`owner/name` or `name`); empty while unknown (a failure seen before its queueing). */
  repo: Type.String(),
  repoName: Type.String(),
  dockerfile: Type.String(),
  image: Type.String(),
  tags: Type.Array(Type.String()),
  digest: Nullable(Type.String()),
  imageId: Nullable(Type.String()),
  sha: Type.String(),
  branch: Nullable(Type.String()),
  buildNumber: Type.Integer({ minimum: 0 }),
  deliveryId: Type.String(),
  error: Nullable(BuildError),
  queuedAt: Type.String(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  durationMs: Nullable(Type.Number()),
  /** Highest builder attempt seen (0 = never started). */
  attempts: Type.Integer({ minimum: 0 }),
  events: Type.Array(AppliedEvent),
});
export type BuildView = Static<typeof BuildView>;

/** A build in lists: without its event history, to keep `GET /builds` small. */
export type BuildSummary = Omit<BuildView, "events">;

/** Why ingress built nothing: `reason` is the event's code (`deleted`, `branch-filtered`, `tag-filtered`, `skip-ci`). */
export const DeliveryIgnored = Type.Object({ reason: Type.String(), message: Type.String() });
export type DeliveryIgnored = Static<typeof DeliveryIgnored>;

export const DeliveryView = Type.Object({
  deliveryId: Type.String(),
  status: Type.Union([Type.Literal(DeliveryStatus.received), Type.Literal(DeliveryStatus.synced), Type.Literal(DeliveryStatus.syncFailed), Type.Literal(DeliveryStatus.ignored)]),
  repo: Type.String(),
  repoName: Type.String(),
  ref: Type.String(),
  branch: Nullable(Type.String()),
  /** The commit the payload named (may not exist), and the one git-sync resolved. */
  requestedSha: Nullable(Type.String()),
  sha: Nullable(Type.String()),
  /** Who pushed, as the webhook said; null when unknown. */
  pusher: Nullable(Type.String()),
  buildNumber: Nullable(Type.Integer()),
  dockerfiles: Type.Array(Type.String()),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  /** Set exactly while `status` is `ignored`. */
  ignored: Nullable(DeliveryIgnored),
  receivedAt: Type.String(),
  updatedAt: Type.String(),
  /** The events that shaped it (WebhookReceived or WebhookIgnored, RepoUpdated, RepoSyncFailed), in stream order. */
  events: Type.Array(AppliedEvent),
});
export type DeliveryView = Static<typeof DeliveryView>;


/** The whole read model, in memory. Maps keep lookups O(1) while thousands of events replay. */
export type ReadModel = {
  builds: Map<string, BuildView>;
  deliveries: Map<string, DeliveryView>;
};

/** What `evolve` reads: lookups by id (the model's maps, or the view's tables), never a write. */
export type ReadonlyModel = {
  readonly builds: { get(id: string): BuildView | undefined };
  readonly deliveries: { get(id: string): DeliveryView | undefined };
};

export function emptyModel(): ReadModel {
  return { builds: new Map(), deliveries: new Map() };
}
