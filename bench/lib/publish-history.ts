/**
 * Publishes a generated history into JetStream fast: `publishEncoded` (the events package's own
 * publish: `Nats-Msg-Id`, type header) with up to `inFlight` publishes outstanding, awaited
 * together, instead of one round trip per message. Order is kept: one connection, and the server
 * stores messages in the order they arrive.
 */
import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { publishEncoded, type Event } from "@slipway/events";

export type Published = {
  /** Messages acked per stream. */
  byStream: Record<string, number>;
  /** Acks that said "duplicate" (an id seen before): should be 0. */
  duplicates: number;
  ms: number;
};

/**
 * Publishes every event, `inFlight` at a time. While it runs, errors carry no stack trace
 * (`Error.stackTraceLimit = 0`): the client makes an Error for every request that succeeds
 * (`RequestOne.cancel` rejects its settled promise with a new `RequestError("cancelled")`,
 * noAsyncTraces or not), and capturing its stack was a third of the client's CPU per publish here.
 */
export async function publishHistory(js: JetStreamClient, events: Iterable<Event>, inFlight: number, progress?: (sent: number) => void): Promise<Published> {
  const started = performance.now();
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await publishAll(js, events, inFlight, started, progress);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

async function publishAll(js: JetStreamClient, events: Iterable<Event>, inFlight: number, started: number, progress?: (sent: number) => void): Promise<Published> {
  const byStream: Record<string, number> = {};
  let duplicates = 0;
  let sent = 0;
  let batch: Promise<PubAck>[] = [];
  const settle = async () => {
    for (const ack of await Promise.all(batch)) {
      byStream[ack.stream] = (byStream[ack.stream] ?? 0) + 1;
      if (ack.duplicate) duplicates++;
    }
    batch = [];
    progress?.(sent);
  };
  for (const event of events) {
    batch.push(publishEncoded(js, event));
    sent++;
    if (batch.length >= inFlight) await settle();
  }
  await settle();
  return { byStream, duplicates, ms: performance.now() - started };
}
