import type { WebhookIgnored, WebhookReceived } from "@slipway/events";
import { DeliveryStatus, type DeliveryIgnored, type DeliveryView } from "./read-model.js";

/**
 * How ingress's verdict on a push becomes a DeliveryView: pure functions, like build-steps.ts.
 * A received and an ignored delivery carry the same facts of the push, so a user reads both the
 * same way; an ignored one adds why nothing ran.
 */

/**
 * A delivery made from the facts of the push, as WebhookReceived and WebhookIgnored both carry
 * them. One object literal, not the facts spread into a new object with `status`, `ignored` and
 * `events` added: V8 makes a spread that adds keys the hard way (~7 us here, against ~0.2), and a
 * replay does it for every delivery. Key order as it always was (the records' JSON keeps it).
 */
function fromPush(d: WebhookReceived | WebhookIgnored, status: DeliveryStatus, ignored: DeliveryIgnored | null, receivedAt: string, updatedAt: string, events: DeliveryView["events"]): DeliveryView {
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
    receivedAt,
    updatedAt,
    status,
    ignored,
    events,
  };
}

/**
 * A push ingress accepted for building. First sighting wins: a late duplicate must not move a
 * synced delivery back to `received`. The one exception is an ignored delivery: GitHub
 * redelivered it after the filters changed, git-sync will take it, so it no longer reads
 * "ignored" (first seen time kept).
 */
export function received(existing: DeliveryView | undefined, d: WebhookReceived, time: string): DeliveryView | undefined {
  if (existing === undefined) return fromPush(d, DeliveryStatus.received, null, time, time, []);
  if (existing.status !== DeliveryStatus.ignored) return undefined;
  return fromPush(d, DeliveryStatus.received, null, existing.receivedAt, time, existing.events);
}

/**
 * A push ingress accepted and built nothing. Only a first sighting counts: a delivery already
 * received has been (or is being) synced and built, and a redelivery the filters now refuse
 * does not undo that.
 */
export function ignored(existing: DeliveryView | undefined, d: WebhookIgnored, time: string): DeliveryView | undefined {
  if (existing !== undefined) return undefined;
  return fromPush(d, DeliveryStatus.ignored, { reason: d.reason, message: d.message }, time, time, []);
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
