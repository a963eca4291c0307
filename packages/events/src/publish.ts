import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import type { EventData, EventType } from "./catalog.js";
import { createEvent, encodeEvent, subjectOf } from "./codec.js";
import type { Event, EventLinks } from "./envelope.js";

/**
 * Validates and publishes one event, resolving once JetStream has stored it (PubAck). The event id
 * is the `Nats-Msg-Id`, so publishing the same event again within the duplicate window is a no-op
 * (`ack.duplicate` is then true).
 */
export async function publishEvent<T extends EventType>(
  js: JetStreamClient,
  type: T,
  data: EventData<T>,
  links: EventLinks,
): Promise<{ event: Event<T>; ack: PubAck }> {
  const event = createEvent(type, data, links);
  const ack = await publishEncoded(js, event);
  return { event, ack };
}

/** Publishes an already-built event (e.g. one kept for a retry). */
export async function publishEncoded<T extends EventType>(js: JetStreamClient, event: Event<T>): Promise<PubAck> {
  const h = headers();
  h.set("Slipway-Event-Type", event.type);
  return js.publish(subjectOf(event), encodeEvent(event), { msgID: event.id, headers: h });
}
