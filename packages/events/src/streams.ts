import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import { Objm, setSha256Backend, type ObjectStore } from "@nats-io/obj";
import { filters } from "./subjects.js";

export const STREAM_EVENTS = "CI_EVENTS";
export const STREAM_LOGS = "CI_LOGS";
export const CONTEXTS_BUCKET = "contexts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Retention settings of the streams; history is the product, so events are unlimited by default. */
export type StreamOptions = {
  /** 0 = unlimited. */
  eventsMaxAgeMs: number;
  eventsMaxBytes: number;
  logsMaxAgeMs: number;
  logsMaxBytes: number;
  /** How long a build context stays in the object store. */
  contextsTtlMs: number;
  /** JetStream's duplicate window, in which a repeated `Nats-Msg-Id` is dropped. */
  duplicateWindowMs: number;
  /**
   * Copies of every stream, bucket and object store in a NATS cluster (1 on a single server; 3
   * on a 3-node cluster survives any one node). Consumers inherit their stream's.
   */
  replicas: number;
};

export function defaultStreamOptions(): StreamOptions {
  return {
    eventsMaxAgeMs: 0,
    eventsMaxBytes: -1,
    logsMaxAgeMs: 30 * DAY_MS,
    logsMaxBytes: -1,
    contextsTtlMs: 7 * DAY_MS,
    duplicateWindowMs: 10 * 60 * 1000,
    replicas: 1,
  };
}

function streamConfigs(o: StreamOptions): (Partial<StreamConfig> & { name: string })[] {
  const common = { storage: StorageType.File, retention: RetentionPolicy.Limits, discard: DiscardPolicy.Old, duplicate_window: nanos(o.duplicateWindowMs), num_replicas: o.replicas };
  return [
    { ...common, name: STREAM_EVENTS, subjects: [...filters.events], max_age: nanos(o.eventsMaxAgeMs), max_bytes: o.eventsMaxBytes, description: "slipway domain events" },
    { ...common, name: STREAM_LOGS, subjects: [filters.logs], max_age: nanos(o.logsMaxAgeMs), max_bytes: o.logsMaxBytes, description: "slipway build logs" },
  ];
}

function isNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.status === 404;
}

/**
 * Creates the streams that are missing: safe to call from every service at every start, in any
 * order. An existing stream is left as it is, so limits an operator changed (`nats stream edit`)
 * survive restarts; `options` only shape a stream when it is first made.
 */
export async function ensureStreams(jsm: JetStreamManager, options: StreamOptions = defaultStreamOptions()): Promise<void> {
  for (const config of streamConfigs(options)) {
    try {
      await jsm.streams.info(config.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await jsm.streams.add(config);
      } catch (addErr) {
        // Another service created it between our info and add: that is the goal reached.
        if (!(addErr instanceof JetStreamApiError) || addErr.code !== 10058) throw addErr;
      }
    }
  }
}

/**
 * Chunk size of stored contexts: the library's 128 KiB default makes a 100 MB context 800
 * messages; the library caps it at the server's max_payload (1 MiB by default).
 */
export const CONTEXT_CHUNK_BYTES = 1024 * 1024;

/** Opens (creating if needed) the object store that carries build contexts between services. */
export async function ensureContextStore(nc: NatsConnection, options: StreamOptions = defaultStreamOptions()): Promise<ObjectStore> {
  // Node's own SHA-256 for object digests: the library's default pure-JS one cost git-sync ~4 s of
  // CPU per 100 MB context (bench/git-sync.ts). Process-wide, set before any object is written.
  setSha256Backend("native");
  return new Objm(nc).create(CONTEXTS_BUCKET, { ttl: nanos(options.contextsTtlMs), storage: StorageType.File, replicas: options.replicas, description: "slipway build contexts" });
}

/** A durable pull consumer, as the services use them. */
export type DurableSpec = {
  stream: string;
  name: string;
  /** Subject filter; omitted = the whole stream. */
  filter?: string;
  /** How long a message may stay unacked before redelivery; builders extend it with `working()`. */
  ackWaitMs: number;
  maxDeliver: number;
  /** Where a new consumer starts. */
  deliver?: "all" | "new";
};

/** Creates the durable consumer if it is missing, or updates what may change on an existing one. */
export async function ensureDurable(jsm: JetStreamManager, spec: DurableSpec): Promise<void> {
  const config: Partial<ConsumerConfig> = {
    durable_name: spec.name,
    ...(spec.filter ? { filter_subject: spec.filter } : {}),
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: spec.maxDeliver,
    deliver_policy: spec.deliver === "new" ? DeliverPolicy.New : DeliverPolicy.All,
  };
  try {
    await jsm.consumers.info(spec.stream, spec.name);
    await jsm.consumers.update(spec.stream, spec.name, { ack_wait: config.ack_wait, max_deliver: config.max_deliver });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.consumers.add(spec.stream, config);
  }
}

/** The durable consumers of the system, in one place so that names never drift. */
export const durables = {
  gitSync: { stream: STREAM_EVENTS, name: "git-sync", filter: filters.webhooks, ackWaitMs: 60_000, maxDeliver: 5 },
  builders: { stream: STREAM_EVENTS, name: "builders", filter: filters.buildsQueued, ackWaitMs: 15_000, maxDeliver: 23 },
  /** The default projector's; each projector has its own pair, named after it (`projectorDurables`). */
  projectorEvents: { stream: STREAM_EVENTS, name: "projector", ackWaitMs: 30_000, maxDeliver: -1 },
  projectorLogs: { stream: STREAM_LOGS, name: "projector-logs", ackWaitMs: 30_000, maxDeliver: -1 },
  /**
   * Commit statuses on GitHub. Starts at new events: turning it on must not post a status for every
   * build in the history. Unlimited deliveries: a GitHub outage is waited out, not turned into loss.
   */
  githubStatus: { stream: STREAM_EVENTS, name: "github-status", filter: filters.builds, ackWaitMs: 10_000, maxDeliver: -1, deliver: "new" },
} as const satisfies Record<string, DurableSpec>;
