import type Database from "better-sqlite3";
import { recordKey } from "./record-key.js";
import type { BuildView, DeliveryView } from "./read-model.js";
import { toSummary } from "./view-queries.js";
import { buildDoc, RecordKind } from "./view-db.js";

/**
 * A record's row: the columns the indexes read, then its JSON, in the tables' column order. Bound
 * by position: binding by name looks up every parameter in an object, which made a build's insert
 * twice as slow (a replay inserts 100,000 builds and 71,000 deliveries).
 */
type BuildValues = [id: string, t: number, status: string, repo: string | null, branch: string | null, sha: string | null, delivery: string | null, image: string | null, dockerfile: string | null, digest: string | null, summary: string, events: string];
type DeliveryValues = [id: string, t: number, status: string, repo: string | null, doc: string];
/** A row's values after its id. */
type RowValues<T extends [string, ...unknown[]]> = T extends [string, ...infer Rest] ? Rest : never;
const withoutId = <T extends [string, ...unknown[]]>(row: T): RowValues<T> => row.slice(1) as RowValues<T>;

// Empty strings are "not known yet" (a build seen before its BuildQueued): stored as NULL, never
// matched by a filter (an empty filter value is refused).
const known = (value: string | null): string | null => (value === "" || value === null ? null : value);

/** A build's row: its summary's JSON and its events' (the record is the two joined: `buildDoc`). */
function buildValues(b: BuildView): BuildValues {
  return [
    b.id,
    recordKey(b.queuedAt, b.id).t,
    b.status,
    known(b.repo),
    known(b.branch),
    known(b.sha),
    known(b.deliveryId),
    known(b.image),
    known(b.dockerfile),
    known(b.digest),
    JSON.stringify(toSummary(b)),
    JSON.stringify(b.events),
  ];
}

function deliveryValues(d: DeliveryView): DeliveryValues {
  return [d.deliveryId, recordKey(d.receivedAt, d.deliveryId).t, d.status, known(d.repo), JSON.stringify(d)];
}

/** Whether a build moved in an index other than the status one (`updateBuildStatus` then does not do). */
function buildKeysChanged(a: BuildView, b: BuildView): boolean {
  return a.queuedAt !== b.queuedAt || a.repo !== b.repo || a.branch !== b.branch || a.sha !== b.sha || a.deliveryId !== b.deliveryId || a.image !== b.image || a.dockerfile !== b.dockerfile || a.digest !== b.digest;
}

/** Whether a delivery moved in an index other than the status one. */
function deliveryKeysChanged(a: DeliveryView, b: DeliveryView): boolean {
  return a.receivedAt !== b.receivedAt || a.repo !== b.repo;
}

/** Events stored per INSERT statement: one call into SQLite for many rows (a replay stores every event). */
const EVENTS_PER_INSERT = 64;
const EVENT_COLUMNS = 5;

/** How rows are found: by `id`, or by `rowid` while a new file is bulk-loaded (its id indexes come at the end). */
type RowKey = "id" | "rowid";

/** The statements that find a record's row, through `key`. Updates take the row's key as `@key` (last when positional). */
function rowStatements(db: Database.Database, key: RowKey) {
  return {
    build: db.prepare<[string | number], { summary: string; events: string }>(`SELECT summary, events FROM builds WHERE ${key} = ?`),
    delivery: db.prepare<[string | number], { doc: string }>(`SELECT doc FROM deliveries WHERE ${key} = ?`),
    // Every column but the id (unchanged, and in its own index); the values are a row's without it.
    updateBuild: db.prepare<[...RowValues<BuildValues>, string | number]>(
      `UPDATE builds SET t = ?, status = ?, repo = ?, branch = ?, sha = ?, delivery = ?, image = ?, dockerfile = ?, digest = ?, summary = ?, events = ? WHERE ${key} = ?`,
    ),
    // Only the columns that change as a build runs: SQLite then leaves the other indexes alone.
    updateBuildStatus: db.prepare<[string, string, string, string | number]>(`UPDATE builds SET status = ?, summary = ?, events = ? WHERE ${key} = ?`),
    updateDelivery: db.prepare<[...RowValues<DeliveryValues>, string | number]>(`UPDATE deliveries SET t = ?, status = ?, repo = ?, doc = ? WHERE ${key} = ?`),
    updateDeliveryStatus: db.prepare<[string, string, string | number]>(`UPDATE deliveries SET status = ?, doc = ? WHERE ${key} = ?`),
  };
}

/**
 * Reads and writes build and delivery rows, and the events table (events are gathered and
 * stored several per statement, before any read of the table). A write says which version
 * the row holds now (`stored`, undefined: no row), so that it touches only what changed: most
 * events move a build's status, and then the other indexes are left alone.
 */
export class ViewRecords {
  private readonly s;
  private rows;
  /** Events added and not stored yet, their columns one after the other. */
  private readonly events: unknown[] = [];
  /**
   * While a new file is bulk-loaded: the rowid of every record written to it. A record not here
   * has no row, so it is not looked up (most of a replay's records are new when first met).
   */
  private rowids: { builds: Map<string, number>; deliveries: Map<string, number> } | null;
  /** The rowids taken since the last commit: a rollback gives them back (SQLite reuses them). */
  private readonly uncommitted: { map: Map<string, number>; id: string }[] = [];

  constructor(
    readonly db: Database.Database,
    options: { bulk?: boolean } = {},
  ) {
    this.rowids = options.bulk ? { builds: new Map(), deliveries: new Map() } : null;
    this.rows = rowStatements(db, this.rowids ? "rowid" : "id");
    this.s = {
      insertBuild: db.prepare<BuildValues>("INSERT INTO builds (id, t, status, repo, branch, sha, delivery, image, dockerfile, digest, summary, events) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      deleteBuild: db.prepare<[string]>("DELETE FROM builds WHERE id = ?"),
      insertDelivery: db.prepare<DeliveryValues>("INSERT INTO deliveries (id, t, status, repo, doc) VALUES (?, ?, ?, ?, ?)"),
      deleteDelivery: db.prepare<[string]>("DELETE FROM deliveries WHERE id = ?"),
      insertEvent: db.prepare<[number, number, number | null, string | null, Uint8Array]>("INSERT INTO events (seq, t, kind, id, data) VALUES (?, ?, ?, ?, ?)"),
      insertEvents: db.prepare<unknown[]>(`INSERT INTO events (seq, t, kind, id, data) VALUES ${Array(EVENTS_PER_INSERT).fill("(?, ?, ?, ?, ?)").join(", ")}`),
      eventData: db.prepare<[number], { data: Buffer }>("SELECT data FROM events WHERE seq = ?"),
    };
  }

  /** Ends a bulk load: the id indexes exist now (`finishBulkLoad`), rows are found by id again. */
  endBulk(): void {
    if (this.rowids === null) return;
    this.rowids = null;
    this.rows = rowStatements(this.db, "id");
  }

  getBuild(id: string): BuildView | undefined {
    const key = this.rowids ? this.rowids.builds.get(id) : id;
    const row = key === undefined ? undefined : this.rows.build.get(key);
    return row === undefined ? undefined : (JSON.parse(buildDoc(row.summary, row.events)) as BuildView);
  }

  getDelivery(id: string): DeliveryView | undefined {
    const key = this.rowids ? this.rowids.deliveries.get(id) : id;
    const row = key === undefined ? undefined : this.rows.delivery.get(key);
    return row === undefined ? undefined : (JSON.parse(row.doc) as DeliveryView);
  }

  /** Writes `next` over the row that holds `stored` (undefined: there is none). */
  writeBuild(next: BuildView, stored: BuildView | undefined): void {
    const row = buildValues(next);
    if (stored === undefined) {
      const { lastInsertRowid } = this.s.insertBuild.run(...row);
      if (this.rowids) this.tookRowid(this.rowids.builds, next.id, lastInsertRowid);
      return;
    }
    const key = this.rowKey(this.rowids?.builds, next.id);
    if (buildKeysChanged(next, stored)) this.rows.updateBuild.run(...withoutId(row), key);
    else this.rows.updateBuildStatus.run(next.status, row[10], row[11], key);
  }

  writeDelivery(next: DeliveryView, stored: DeliveryView | undefined): void {
    const row = deliveryValues(next);
    if (stored === undefined) {
      const { lastInsertRowid } = this.s.insertDelivery.run(...row);
      if (this.rowids) this.tookRowid(this.rowids.deliveries, next.deliveryId, lastInsertRowid);
      return;
    }
    const key = this.rowKey(this.rowids?.deliveries, next.deliveryId);
    if (deliveryKeysChanged(next, stored)) this.rows.updateDelivery.run(...withoutId(row), key);
    else this.rows.updateDeliveryStatus.run(next.status, row[4], key);
  }

  private tookRowid(map: Map<string, number>, id: string, rowid: number | bigint): void {
    map.set(id, Number(rowid));
    this.uncommitted.push({ map, id });
  }

  /** The key of a record's row: its id, or while bulk-loading its rowid (it was written: it has one). */
  private rowKey(rowids: Map<string, number> | undefined, id: string): string | number {
    if (rowids === undefined) return id;
    const rowid = rowids.get(id);
    if (rowid === undefined) throw new Error(`record ${id} has no row to update`);
    return rowid;
  }

  deleteRecord(kind: RecordKind, id: string): void {
    if (kind === RecordKind.build) this.s.deleteBuild.run(id);
    else this.s.deleteDelivery.run(id);
  }

  /** Keeps an event as it came (`data`), with the record it changed (null: none); stored by `flushEvents`. */
  addEvent(seq: number, timeMs: number, changed: { kind: RecordKind; id: string } | null, data: Uint8Array): void {
    this.events.push(seq, timeMs, changed?.kind ?? null, changed?.id ?? null, data);
    if (this.events.length === EVENTS_PER_INSERT * EVENT_COLUMNS) this.flushEvents();
  }

  /** Stores the events added since the last call. */
  flushEvents(): void {
    if (this.events.length === EVENTS_PER_INSERT * EVENT_COLUMNS) this.s.insertEvents.run(this.events);
    else {
      const e = this.events;
      for (let i = 0; i < e.length; i += EVENT_COLUMNS) {
        this.s.insertEvent.run(e[i] as number, e[i + 1] as number, e[i + 2] as number | null, e[i + 3] as string | null, e[i + 4] as Uint8Array);
      }
    }
    this.events.length = 0;
  }

  /** The open transaction was committed. */
  committed(): void {
    this.uncommitted.length = 0;
  }

  /** The open transaction was rolled back: forgets the events not stored yet and the rows it made. */
  rolledBack(): void {
    this.events.length = 0;
    for (const { map, id } of this.uncommitted) map.delete(id);
    this.uncommitted.length = 0;
  }

  /** A kept event's bytes, or undefined. */
  eventData(seq: number): Buffer | undefined {
    this.flushEvents();
    return this.s.eventData.get(seq)?.data;
  }
}
