import type { PubAck } from "@nats-io/jetstream";
import { errors, headers, NoRespondersError, type MsgHdrs } from "@nats-io/transport-node";
import type { EventData, EventType } from "./catalog.js";
import { createEvent, encodeEvent, subjectOf } from "./codec.js";
import type { Event, EventLinks } from "./envelope.js";

/** What `publishEncoded` needs of a JetStream client: `JetStreamClient` is one, `inboxAckPublisher` another. */
export type EventPublishTarget = {
  publish(subject: string, data: Uint8Array, options: { msgID: string; headers: MsgHdrs; timeout: number }): Promise<PubAck>;
};

/**
 * Validates and publishes one event, resolving once JetStream has stored it (PubAck). The event id
 * is the `Nats-Msg-Id`, so publishing the same event again within the duplicate window is a no-op
 * (`ack.duplicate` is then true).
 */
export async function publishEvent<T extends EventType>(
  js: EventPublishTarget,
  type: T,
  data: EventData<T>,
  links: EventLinks,
): Promise<{ event: Event<T>; ack: PubAck }> {
  const event = createEvent(type, data, links);
  const ack = await publishEncoded(js, event);
  return { event, ack };
}

/**
 * How long a publish keeps trying. In a cluster, a stream whose leader died has none until the
 * others elect one (4.5-9 s measured with 3 nats-servers 2.9, longer on a loaded machine), and a
 * client connected to the dead server loses the request in flight; a webhook arriving then must
 * still be stored, not refused. GitHub gives a hook 10 s, so the last try ends before that; NATS
 * down altogether fails the publish after this long.
 */
export const PUBLISH_DEADLINE_MS = 9_000;
/** One try's wait for the PubAck; a slow ack is tried again (harmless: same Nats-Msg-Id). */
const PUBLISH_TRY_TIMEOUT_MS = 2_500;

/** Publishes an already-built event (e.g. one kept for a retry). */
export async function publishEncoded<T extends EventType>(js: EventPublishTarget, event: Event<T>): Promise<PubAck> {
  const h = headers();
  h.set("Slipway-Event-Type", event.type);
  const deadline = Date.now() + PUBLISH_DEADLINE_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      // No try runs past the deadline: the caller's answer (ingress's 503) must beat GitHub's timeout.
      const timeout = Math.max(250, Math.min(PUBLISH_TRY_TIMEOUT_MS, deadline - Date.now()));
      return await js.publish(subjectOf(event), encodeEvent(event), { msgID: event.id, headers: h, timeout });
    } catch (err) {
      // Again with the same Nats-Msg-Id is safe: a first try that was stored makes it a duplicate.
      if (!isRetryable(err) || Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 1_000)));
    }
  }
}

/**
 * No server answered for the subject (`js.publish` names that JetStreamNotEnabled; the class is
 * not exported, its name is), or the ack did not come in time.
 */
function isRetryable(err: unknown): boolean {
  return err instanceof errors.TimeoutError || err instanceof NoRespondersError || (err instanceof Error && err.name === "JetStreamNotEnabled");
}
