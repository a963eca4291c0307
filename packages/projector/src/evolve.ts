import { EventType, type Event } from "@slipway/events";
import { built, cancelled, failed, handedBack, minimalBuild, pushed, queued, started } from "./build-steps.js";
import { ignored, received, unseenDelivery } from "./delivery-steps.js";
import { DeliveryStatus, type BuildView, type DeliveryView, type ReadModel, type ReadonlyModel } from "./read-model.js";

/** The records one event creates or replaces; empty when the event changes nothing. */
export type Change = {
  build?: BuildView;
  delivery?: DeliveryView;
};

type BuildEvent = Extract<Event, { data: { buildId: string } }>;

/**
 * The projection's pure core: what `event` (at stream sequence `seq`) does to the read model.
 * Idempotent: an event already recorded on its build, or a delivery fact already known, yields
 * the same state again, so a redelivered event can never count twice.
 */
export function evolve(model: ReadonlyModel, event: Event, seq: number): Change {
  switch (event.type) {
    case EventType.WebhookReceived:
      return withDelivery(model, event, seq, (existing) => received(existing, event.data, event.time));
    case EventType.WebhookIgnored:
      return withDelivery(model, event, seq, (existing) => ignored(existing, event.data, event.time));
    case EventType.RepoUpdated: {
      const d = event.data;
      // `synced` wins over an earlier `sync_failed`: a retry got through and builds follow.
      return withDelivery(model, event, seq, (existing) => {
        const base = existing ?? unseenDelivery(d.deliveryId, d.repo, d.ref, event.time);
        return { ...base, status: DeliveryStatus.synced, branch: d.branch, sha: d.sha, buildNumber: d.buildNumber, dockerfiles: [...d.dockerfiles], error: null, ignored: null, updatedAt: event.time };
      });
    }
    case EventType.RepoSyncFailed: {
      const d = event.data;
      // Recorded even after a RepoUpdated (e.g. the max-deliveries watcher gave up on a webhook
      // whose builds were not all queued): the failure shows, what the sync found is kept.
      return withDelivery(model, event, seq, (existing) => {
        const base = existing ?? unseenDelivery(d.deliveryId, d.repo, d.ref, event.time);
        return { ...base, status: DeliveryStatus.syncFailed, error: { code: d.code, message: d.message }, ignored: null, updatedAt: event.time };
      });
    }
    case EventType.BuildQueued:
      return withBuild(model, event, seq, (b) => queued(b, event.data, event.time));
    case EventType.BuildStarted:
      return withBuild(model, event, seq, (b) => started(b, event.data.attempt, event.time));
    case EventType.ImageBuilt:
      return withBuild(model, event, seq, (b) => built(b, event.data));
    case EventType.ImagePushed:
      return withBuild(model, event, seq, (b) => pushed(b, event.data, event.time));
    case EventType.BuildFailed:
      return withBuild(model, event, seq, (b) => failed(b, event.data, event.time));
    case EventType.BuildCancelled:
      return withBuild(model, event, seq, (b) => cancelled(b, event.data, event.time));
    case EventType.BuildCancelRequested:
      // The request is history (who asked, when); the build ends only with BuildCancelled.
      return withBuild(model, event, seq, (b) => b);
    case EventType.BuildHandedBack:
      return withBuild(model, event, seq, (b) => handedBack(b, event.data.attempt));
    case EventType.BuildLogChunk:
      // Logs live in files (log-writer.ts), not in the view.
      return {};
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

type DeliveryEvent = Extract<Event, { data: { deliveryId: string } }>;

/**
 * A delivery event's change: `step` makes the record (undefined: no change), which then lists
 * the event. An event it already lists changes nothing (a redelivery).
 */
function withDelivery(model: ReadonlyModel, event: DeliveryEvent, seq: number, step: (d: DeliveryView | undefined) => DeliveryView | undefined): Change {
  const existing = model.deliveries.get(event.data.deliveryId);
  if (existing?.events.some((e) => e.id === event.id)) return {};
  const delivery = step(existing);
  if (delivery === undefined) return {};
  return { delivery: { ...delivery, events: [...delivery.events, { seq, type: event.type, id: event.id, time: event.time }] } };
}

function withBuild(model: ReadonlyModel, event: BuildEvent, seq: number, step: (b: BuildView) => BuildView): Change {
  const buildId = event.data.buildId;
  const existing = model.builds.get(buildId);
  if (existing?.events.some((e) => e.id === event.id)) return {};
  const base = existing ?? minimalBuild(buildId, event.correlationId, event.time, model.deliveries.get(event.correlationId));
  const events = [...base.events, { seq, type: event.type, id: event.id, time: event.time }];
  // The steps never read `events`; a step that made a new record made it for this change alone,
  // so it takes the list as it is, and the record is copied only when the step changed nothing.
  const next = step(base);
  return { build: next === base ? { ...base, events } : Object.assign(next, { events }) };
}

/** Writes a change into the (mutable) model. */
export function applyChange(model: ReadModel, change: Change): void {
  if (change.build) model.builds.set(change.build.id, change.build);
  if (change.delivery) model.deliveries.set(change.delivery.deliveryId, change.delivery);
}

/** `evolve` then `applyChange`: one event folded into the model. */
export function applyEvent(model: ReadModel, event: Event, seq: number): Change {
  const change = evolve(model, event, seq);
  applyChange(model, change);
  return change;
}
