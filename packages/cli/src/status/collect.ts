import { setTimeout as sleep } from "node:timers/promises";
import type { ConsumerInfo, JetStreamManager, StreamInfo } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { consumerOwner, projectorNames } from "./owners.js";

/** What kind of store a stream is: JetStream keeps KV buckets and object stores as streams too. */
export const StoreKind = { stream: "stream", kv: "kv", objectStore: "object-store" } as const;
export type StoreKind = (typeof StoreKind)[keyof typeof StoreKind];

export type StreamFacts = {
  /** The bucket's name for KV and object stores (`build-numbers`), else the stream's. */
  name: string;
  stream: string;
  kind: StoreKind;
  messages: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  /** Distinct subjects: a KV bucket's keys (with history 1); null when the server does not say. */
  subjects: number | null;
  consumers: number;
};

export type ConsumerFacts = {
  stream: string;
  name: string;
  durable: boolean;
  /** The service it belongs to (`consumerOwner`). */
  service: string;
  /** Stored and not delivered yet. */
  pending: number;
  /** Delivered and not acked: in hand. */
  ackPending: number;
  redelivered: number;
  /** Pull requests waiting for a message: free slots of running processes. */
  waiting: number;
  deliveredSeq: number;
  ackFloorSeq: number;
  /** ISO time of the last delivery; null on servers before 2.10, which do not say. */
  lastActive: string | null;
};

export type BusFacts = {
  server: { name: string | null; version: string | null };
  streams: StreamFacts[];
  consumers: ConsumerFacts[];
};

function kindOf(stream: string): { kind: StoreKind; name: string } {
  if (stream.startsWith("KV_")) return { kind: StoreKind.kv, name: stream.slice(3) };
  if (stream.startsWith("OBJ_")) return { kind: StoreKind.objectStore, name: stream.slice(4) };
  return { kind: StoreKind.stream, name: stream };
}

function streamFacts(si: StreamInfo): StreamFacts {
  const s = si.state;
  return { ...kindOf(si.config.name), stream: si.config.name, messages: s.messages, bytes: s.bytes, firstSeq: s.first_seq, lastSeq: s.last_seq, subjects: s.num_subjects ?? null, consumers: s.consumer_count };
}

/** The server types `last_active` as nanos; servers from 2.10 send an ISO time, older ones nothing. */
function lastActive(ci: ConsumerInfo): string | null {
  const at: unknown = ci.delivered.last_active;
  return typeof at === "string" && Number.isFinite(Date.parse(at)) ? at : null;
}

/**
 * Every stream (the two of events and logs, KV buckets, object stores) and every consumer of
 * each, as the server reports them now.
 */
export async function collectBus(nc: NatsConnection, jsm: JetStreamManager): Promise<BusFacts> {
  const infos: StreamInfo[] = [];
  for await (const si of jsm.streams.list()) infos.push(si);
  infos.sort((a, b) => a.config.name.localeCompare(b.config.name));
  const raw: ConsumerInfo[] = [];
  for (const si of infos) for await (const ci of jsm.consumers.list(si.config.name)) raw.push(ci);
  const refs = raw.map((ci) => ({ stream: ci.stream_name, name: ci.name, durable: Boolean(ci.config.durable_name) }));
  const projectors = projectorNames(refs);
  const consumers = raw.map((ci, i) => ({
    ...refs[i]!,
    service: consumerOwner(refs[i]!, projectors),
    pending: ci.num_pending,
    ackPending: ci.num_ack_pending,
    redelivered: ci.num_redelivered,
    waiting: ci.num_waiting,
    deliveredSeq: ci.delivered.stream_seq,
    ackFloorSeq: ci.ack_floor.stream_seq,
    lastActive: lastActive(ci),
  }));
  return { server: { name: nc.info?.server_name ?? null, version: nc.info?.version ?? null }, streams: infos.map(streamFacts), consumers };
}

/**
 * A pulling service renews its pull requests as they expire (every few seconds): one look can
 * fall between two. A consumer that seems to have no one pulling is looked at again, briefly.
 */
export async function recheckIdle(jsm: JetStreamManager, c: ConsumerFacts, tries = 3): Promise<ConsumerFacts> {
  let now = c;
  for (let i = 0; i < tries && now.waiting === 0 && now.ackPending === 0; i++) {
    await sleep(250);
    const ci = await jsm.consumers.info(c.stream, c.name);
    now = { ...now, pending: ci.num_pending, ackPending: ci.num_ack_pending, waiting: ci.num_waiting, deliveredSeq: ci.delivered.stream_seq, ackFloorSeq: ci.ack_floor.stream_seq };
  }
  return now;
}
