import type { Static, TSchema } from "@sinclair/typebox";
import { BuildCancelled, BuildCancelRequested, BuildFailed, BuildHandedBack, BuildQueued, BuildStarted, ImageBuilt, ImagePushed } from "./schemas/build.js";
import { BuildLogChunk } from "./schemas/log.js";
import { RepoSyncFailed, RepoUpdated } from "./schemas/repo.js";
import { WebhookIgnored, WebhookReceived } from "./schemas/webhook.js";
import { subjects } from "./subjects.js";

type Entry<S extends TSchema> = {
  /** Newest schema version this code writes and reads; older ones are upcast in `decode.ts`. */
  version: number;
  schema: S;
  subject: (data: Static<S>) => string;
};
const entry = <S extends TSchema>(e: Entry<S>) => e;

/** The v1 event catalog: every event type, its payload schema and its subject, in one table. */
export const catalog = {
  WebhookReceived: entry({ version: 1, schema: WebhookReceived, subject: (d) => subjects.webhookReceived(d.repo.key) }),
  WebhookIgnored: entry({ version: 1, schema: WebhookIgnored, subject: (d) => subjects.webhookIgnored(d.repo.key) }),
  RepoUpdated: entry({ version: 1, schema: RepoUpdated, subject: (d) => subjects.repoUpdated(d.repo.key) }),
  RepoSyncFailed: entry({ version: 1, schema: RepoSyncFailed, subject: (d) => subjects.repoSyncFailed(d.repo.key) }),
  BuildQueued: entry({ version: 1, schema: BuildQueued, subject: (d) => subjects.build(d.buildId, "queued") }),
  BuildStarted: entry({ version: 1, schema: BuildStarted, subject: (d) => subjects.build(d.buildId, "started") }),
  BuildLogChunk: entry({ version: 1, schema: BuildLogChunk, subject: (d) => subjects.log(d.buildId) }),
  ImageBuilt: entry({ version: 1, schema: ImageBuilt, subject: (d) => subjects.build(d.buildId, "built") }),
  ImagePushed: entry({ version: 1, schema: ImagePushed, subject: (d) => subjects.build(d.buildId, "pushed") }),
  BuildFailed: entry({ version: 1, schema: BuildFailed, subject: (d) => subjects.build(d.buildId, "failed") }),
  BuildCancelled: entry({ version: 1, schema: BuildCancelled, subject: (d) => subjects.build(d.buildId, "cancelled") }),
  BuildCancelRequested: entry({ version: 1, schema: BuildCancelRequested, subject: (d) => subjects.build(d.buildId, "cancelrequested") }),
  BuildHandedBack: entry({ version: 1, schema: BuildHandedBack, subject: (d) => subjects.build(d.buildId, "handedback") }),
} as const;

export type Catalog = typeof catalog;
export type EventType = keyof Catalog;
/** The closed set of event type names, as a const object (`EventType.BuildQueued`). */
export const EventType = Object.fromEntries(Object.keys(catalog).map((k) => [k, k])) as {
  readonly [K in EventType]: K;
};
export type EventData<T extends EventType> = Static<Catalog[T]["schema"]>;

export function isEventType(value: unknown): value is EventType {
  return typeof value === "string" && Object.hasOwn(catalog, value);
}
