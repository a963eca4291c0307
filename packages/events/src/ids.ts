import { hash, randomUUID } from "node:crypto";

/**
 * A stable id from its parts: a handler that runs twice for the same input (redelivery) derives
 * the same ids, so JetStream's duplicate window (`Nats-Msg-Id`) drops the repeat.
 */
export function stableId(...parts: string[]): string {
  // One-shot: a third of the CPU of a Hash object fed part by part (same bytes, same id).
  return hash("sha256", parts.map((part) => part + "\0").join(""), "hex").slice(0, 32);
}

/** A build id: short, stable for one Dockerfile of one webhook delivery, safe in file names. */
export function buildIdFor(deliveryId: string, dockerfile: string): string {
  return "b" + stableId("build", deliveryId, dockerfile).slice(0, 15);
}

/** The build id of a retry: one per retry request, so a repeated request cannot queue it twice. */
export function retryBuildIdFor(oldBuildId: string, requestId: string): string {
  return "r" + stableId("retry", oldBuildId, requestId).slice(0, 15);
}

/** A fresh id where no upstream id exists (e.g. a webhook without a delivery header). */
export function newId(): string {
  return randomUUID();
}

/**
 * The id of every event a producer publishes, in one place (as `subjects.ts` is for subjects): two
 * producers of the same fact must derive the same id, or JetStream's duplicate detection cannot
 * drop the second one.
 */
export const eventIds = {
  webhookReceived: (deliveryId: string) => stableId("WebhookReceived", deliveryId),
  webhookIgnored: (deliveryId: string) => stableId("WebhookIgnored", deliveryId),
  repoUpdated: (deliveryId: string) => stableId("RepoUpdated", deliveryId),
  repoSyncFailed: (deliveryId: string) => stableId("RepoSyncFailed", deliveryId),
  buildQueued: (buildId: string) => stableId("BuildQueued", buildId),
  buildStarted: (buildId: string, attempt: number) => stableId(buildId, "started", String(attempt)),
  imageBuilt: (buildId: string, attempt: number) => stableId(buildId, "built", String(attempt)),
  logChunk: (buildId: string, attempt: number, seq: number) => stableId(buildId, "log", String(attempt), String(seq)),
  handedBack: (buildId: string, attempt: number) => stableId(buildId, "handedback", String(attempt)),
  /** One per request: each press of "cancel" is its own fact, a retried HTTP request is not. */
  cancelRequested: (buildId: string, requestId: string) => stableId(buildId, "cancelrequested", requestId),
  /**
   * `ImagePushed`, `BuildFailed` and `BuildCancelled` of one build share this id, whoever publishes
   * them (builder, git-sync, the max-deliveries watcher): within the duplicate window JetStream
   * stores the first verdict and drops every other, so a build has one verdict.
   */
  verdict: (buildId: string) => stableId("BuildVerdict", buildId),
} as const;
