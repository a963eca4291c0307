import type { JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import type { DurableSpec } from "@slipway/events";
import { positionDurable } from "./durable-position.js";

/** What the projection reads of a delivered message. */
export type EventMessage = Pick<JsMsg, "seq" | "subject" | "data" | "ack">;

/** Delivered messages, in the order the server sends them, until closed. */
export type EventMessages = AsyncIterable<EventMessage> & { close(): Promise<void | Error> };

/**
 * The projector's view of its durable on CI_EVENTS: an interface so that the ordering logic of
 * the projection can be tested with a scripted source.
 */
export type EventSource = {
  /** Starts pulling where the durable stands. */
  open(): Promise<EventMessages>;
  /** The lowest sequence in `from..to` still stored in the stream, or null when all are gone. */
  firstStoredIn(from: number, to: number): Promise<number | null>;
  /** Makes the durable deliver from `checkpoint + 1` on (recreating it). Close what `open` gave first. */
  reposition(checkpoint: number): Promise<void>;
};

/** The source over a real durable (`positionDurable` owns its configuration). */
export function durableEventSource(js: JetStreamClient, jsm: JetStreamManager, spec: DurableSpec): EventSource {
  return {
    async open() {
      const consumer = await js.consumers.get(spec.stream, spec.name);
      return consumer.consume({ max_messages: 1000 });
    },
    async firstStoredIn(from, to) {
      // Limits remove the oldest messages: everything below first_seq is gone, however many.
      // Inside the stream, a gap is only as long as what an operator deleted there.
      const { state } = await jsm.streams.info(spec.stream);
      for (let seq = Math.max(from, state.first_seq); seq <= to; seq++) {
        if ((await jsm.streams.getMessage(spec.stream, { seq })) !== null) return seq;
      }
      return null;
    },
    async reposition(checkpoint) {
      await positionDurable(jsm, spec, checkpoint);
    },
  };
}
