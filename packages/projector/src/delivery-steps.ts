import type { WebhookIgnored, WebhookReceived } from "@slipway/events";
import { DeliveryStatus, type DeliveryView } from "./read-model.js";

/**
 * How ingress's verdict on a push becomes a DeliveryView: pure functions, like build-steps.ts.
 * A received and an ignored delivery carry the same facts of the push, so a user reads both the
 * same way; an ignored one adds why nothing ran.
 */

/** The facts of the push itself, as WebhookReceived and WebhookIgnored both carry them. */
function fromPush(d: WebhookReceived | WebhookIgnored, time: string): Omit<DeliveryView, "status" | "ignored" | "events"> {
  return {
    deliveryId: d.deliveryId,
    repo: d.repo.key,
    repoName: d.repo.name,
    ref: d.ref,
    branch: d.branch,
    requestedSha: d.requestedSha,
    sha: null,
    pusher: d.pusher,
    buildNumber: null,
    dockerfiles: [],
    error: null,
    receivedAt: time,
    updatedAt: time,
  };
}

/**
 * A push ingress accepted for building. First sighting wins: a late duplicate must not move a
 * synced delivery back to `received`. The one exception is an ignored delivery: GitHub
 * redelivered it after the filters changed, git-sync will take it, so it no longer reads
 * "ignored" (first seen time kept).
 */
export function received(existing: DeliveryView | undefined, d: WebhookReceived, time: string): DeliveryView | undefined {
  if (existing === undefined) return { ...fromPush(d, time), status: DeliveryStatus.received, ignored: null, events: [] };
  if (existing.status !== DeliveryStatus.ignored) return undefined;
  return { ...fromPush(d, existing.receivedAt), status: DeliveryStatus.received, ignored: null, updatedAt: time, events: existing.events };
}

/**
 * A push ingress accepted and built nothing. Only a first sighting counts: a delivery already
 * received has been (or is being) synced and built, and a redelivery the filters now refuse
 * does not undo that.
 */
export function ignored(existing: DeliveryView | undefined, d: WebhookIgnored, time: string): DeliveryView | undefined {
  if (existing !== undefined) return undefined;
  return { ...fromPush(d, time), status: DeliveryStatus.ignored, ignored: { reason: d.reason, message: d.message }, events: [] };
}

/** A delivery known only from git-sync's verdict (its WebhookReceived was not seen, e.g. removed by stream limits). */
export function unseenDelivery(deliveryId: string, repo: { key: string; name: string }, ref: string, time: string): DeliveryView {
  return {
    deliveryId,
    status: DeliveryStatus.received,
    repo: repo.key,
    repoName: repo.name,
    ref,
    branch: null,
    requestedSha: null,
    sha: null,
    pusher: null,
    buildNumber: null,
    dockerfiles: [],
    error: null,
    ignored: null,
    receivedAt: time,
    updatedAt: time,
    events: [],
  };
}
