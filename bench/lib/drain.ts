/**
 * The replay baseline: a bare ordered consumer (`js.consumers.get(stream)` with no name: no
 * durable, no acks) reading a whole stream as fast as the client can, doing nothing with a
 * message (`raw`), JSON-parsing it (`parse`), or decoding and checking it as every service does
 * (`decode`: `decodeEvent`, the first thing the projector does with a message).
 */
import type { JetStreamClient } from "@nats-io/jetstream";
import { decodeEvent } from "@slipway/events";

export const DrainMode = { raw: "raw", parse: "parse", decode: "decode" } as const;
export type DrainMode = (typeof DrainMode)[keyof typeof DrainMode];

export type StreamDrain = { stream: string; messages: number; ms: number; bytes: number };
export type Drain = { mode: DrainMode; messages: number; wallMs: number; streams: StreamDrain[] };

/** Batch the ordered consumer pulls; the projector's events consumer pulls 1,000 too. */
const PULL_BATCH = 1000;

async function drainOne(js: JetStreamClient, stream: string, expected: number, mode: DrainMode, started: number): Promise<StreamDrain> {
  let n = 0;
  let bytes = 0;
  if (expected > 0) {
    const consumer = await js.consumers.get(stream);
    const messages = await consumer.consume({ max_messages: PULL_BATCH });
    for await (const m of messages) {
      const data = m.data;
      bytes += data.length;
      if (mode === DrainMode.parse) JSON.parse(m.string());
      else if (mode === DrainMode.decode) decodeEvent(data);
      if (++n >= expected) break;
    }
    // After the loop: close() settles only once the iteration has ended.
    await messages.close();
  }
  return { stream, messages: n, ms: performance.now() - started, bytes };
}

/** Drains every stream at once (as the projector reads its two), each from its first message. */
export async function drainStreams(js: JetStreamClient, streams: { stream: string; messages: number }[], mode: DrainMode): Promise<Drain> {
  const started = performance.now();
  const done = await Promise.all(streams.map((s) => drainOne(js, s.stream, s.messages, mode, started)));
  return { mode, messages: done.reduce((a, d) => a + d.messages, 0), wallMs: performance.now() - started, streams: done };
}
