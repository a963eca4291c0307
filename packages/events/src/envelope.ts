import { Type, type Static } from "@sinclair/typebox";
import type { EventData, EventType } from "./catalog.js";

/** The envelope every event travels in; `data` is checked against the catalog's schema for `type`. */
export const EnvelopeHeader = Type.Object({
  type: Type.String({ minLength: 1 }),
  /** Schema version of `data`. */
  version: Type.Integer({ minimum: 1 }),
  /** Unique and deterministic: also the JetStream `Nats-Msg-Id`. */
  id: Type.String({ minLength: 1, maxLength: 200 }),
  time: Type.String({ format: "date-time" }),
  /** The webhook delivery this event descends from. */
  correlationId: Type.String({ minLength: 1 }),
  /** The id of the event this one answers; null for the first event of a delivery. */
  causationId: Type.Union([Type.String(), Type.Null()]),
  data: Type.Unknown(),
});
export type EnvelopeHeader = Static<typeof EnvelopeHeader>;

/** A decoded, validated event: a discriminated union on `type`. */
export type Event<T extends EventType = EventType> = {
  [K in T]: Omit<EnvelopeHeader, "type" | "data"> & { type: K; data: EventData<K> };
}[T];

/** What links an event to its history: given by the handler that publishes it. */
export type EventLinks = {
  id: string;
  correlationId: string;
  causationId: string | null;
};
