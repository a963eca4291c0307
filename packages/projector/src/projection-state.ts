import type Database from "better-sqlite3";
import { decodeEvent, encodeEvent, type Event } from "@slipway/events";
import { applyEvent, evolve, type Change } from "./evolve.js";
import { emptyModel, type BuildView, type DeliveryView, type ReadonlyModel } from "./read-model.js";
import { finishBulkLoad, MetaKey, openViewDb, readMeta, RecordKind, writeMeta } from "./view-db.js";
import { ViewQueries } from "./view-queries.js";
import { ViewRecords } from "./view-records.js";

/** The view at one point: its records and queries, and the stream sequence it reflects. */
export type ViewAt = {
  seq: number;
  getBuild(id: string): BuildView | undefined;
  getDelivery(id: string): DeliveryView | undefined;
  queries: ViewQueries;
};

/** What the HTTP layer reads. */
export type ReadModelAccessor = {
  /** The last stream sequence folded in. */
  checkpoint(): number;
  /**
   * Runs `read` over the view as it is now, or (`asOf`) as it was right after that stream
   * sequence. Synchronous: nothing applies while it runs.
   */
  read<T>(read: (view: ViewAt) => T, asOf?: number): T;
  /** The sequence a time stands for: the last one before the first event stamped after `timeMs`. */
  sequenceAt(timeMs: number): number;
};

export class ViewFormatError extends Error {
  override name = "ViewFormatError";
}

/** A record as the model knows it (`view`) and as its row holds it (`stored`); undefined: none. */
type Known<V> = { view: V | undefined; stored: V | undefined };

/** Records kept parsed between commits, at most: a replay touches each build a few times, close together. */
const KNOWN_MAX = 20_000;

export type OpenOptions = {
  /** A new file for a one-off load (a replay): see `openViewDb`; ended by `finishBulkLoad`. */
  bulk?: boolean;
  /** Records kept parsed between commits (default 20,000); more are forgotten at a commit and read again from their rows. */
  knownMax?: number;
};

/**
 * The read model with its checkpoint: the last stream sequence folded in. Both live in one SQLite
 * file (view-db.ts) and only move together. `apply` folds an event into the records it keeps in
 * memory and stores the event itself; the changed records are written to their rows before any
 * read and at `commit`, in one open transaction that `commit` makes durable with the checkpoint.
 * So a record changed by five events in a batch is written once, reads see everything applied,
 * and a crash loses only what was not committed (the checkpoint on disk says where to resume).
 */
export class ProjectionState implements ReadModelAccessor {
  private readonly records: ViewRecords;
  private readonly queries: ViewQueries;
  private readonly s;
  private readonly builds = new Map<string, Known<BuildView>>();
  private readonly deliveries = new Map<string, Known<DeliveryView>>();
  private dirty = false;
  private applied: number;
  private committed: number;
  private commits = 0;
  private firstAfterTime: Database.Statement<[number], { seq: number | null }> | undefined;
  /** evolve's view of the model: the records in memory, else their rows. */
  private readonly model: ReadonlyModel;

  private constructor(
    private readonly db: Database.Database,
    readonly streamCreated: string | null,
    bulk: boolean,
    private readonly knownMax: number,
  ) {
    this.records = new ViewRecords(db, { bulk });
    this.queries = new ViewQueries(db);
    this.s = {
      changedAfter: db.prepare<[number], { kind: RecordKind; id: string }>("SELECT DISTINCT kind, id FROM events WHERE seq > ? AND kind IS NOT NULL"),
    };
    this.applied = Number(readMeta(db, MetaKey.checkpoint) ?? 0);
    this.committed = this.applied;
    this.model = {
      builds: { get: (id) => this.known(this.builds, id, () => this.records.getBuild(id)).view },
      deliveries: { get: (id) => this.known(this.deliveries, id, () => this.records.getDelivery(id)).view },
    };
  }

  /**
   * Opens the view saved at `path`, or a new one counting in the stream created at
   * `streamCreated`. Throws `ViewFormatError` for a file of another layout version.
   */
  static open(path: string, streamCreated: string | null, options: OpenOptions = {}): ProjectionState {
    const db = openViewDb(path, options);
    const knownMax = options.knownMax ?? KNOWN_MAX;
    if (db === null) throw new ViewFormatError(`${path} is a view of another version`);
    const saved = readMeta(db, MetaKey.streamCreated);
    if (saved === undefined) {
      writeMeta(db, MetaKey.streamCreated, streamCreated ?? "");
      return new ProjectionState(db, streamCreated, options.bulk === true, knownMax);
    }
    return new ProjectionState(db, saved === "" ? null : saved, false, knownMax);
  }

  /** A view in memory (tests, inspection). */
  static empty(streamCreated: string | null): ProjectionState {
    return ProjectionState.open(":memory:", streamCreated);
  }

  checkpoint(): number {
    return this.applied;
  }

  /** The checkpoint on disk (<= `checkpoint()`). */
  committedCheckpoint(): number {
    return this.committed;
  }

  /**
   * Folds one event in; `event` null = a message that is no valid event, only the position moves.
   * `data` is the event as it came from the stream (encoded again when not given).
   */
  apply(event: Event | null, seq: number, data?: Uint8Array): Change {
    if (seq <= this.applied) throw new RangeError(`sequence ${seq} is not after the checkpoint ${this.applied}`);
    if (!this.db.inTransaction) this.db.exec("BEGIN");
    let change: Change = {};
    if (event !== null) {
      change = evolve(this.model, event, seq);
      // evolve makes one record per event; were it ever two, the events table would name one.
      let changed: { kind: RecordKind; id: string } | null = null;
      if (change.delivery) {
        this.change(this.deliveries, change.delivery.deliveryId, change.delivery);
        changed = { kind: RecordKind.delivery, id: change.delivery.deliveryId };
      }
      if (change.build) {
        this.change(this.builds, change.build.id, change.build);
        changed = { kind: RecordKind.build, id: change.build.id };
      }
      this.records.addEvent(seq, Date.parse(event.time), changed, data ?? encodeEvent(event));
    }
    this.applied = seq;
    return change;
  }

  /** Makes everything applied durable, with its checkpoint; returns that checkpoint. */
  commit(): number {
    if (!this.db.inTransaction) return this.committed;
    this.writeChanged();
    writeMeta(this.db, MetaKey.checkpoint, String(this.applied));
    this.db.exec("COMMIT");
    this.records.committed();
    this.committed = this.applied;
    if (this.builds.size + this.deliveries.size > this.knownMax) {
      this.builds.clear();
      this.deliveries.clear();
    }
    // Keeps the planner's statistics fresh as the tables grow (cheap when nothing changed much).
    if (++this.commits % 500 === 0) this.db.pragma("optimize");
    return this.committed;
  }

  /** Drops what was applied since the last commit (after a failed commit): back to the checkpoint on disk. */
  rollback(): void {
    this.records.rolledBack();
    if (this.db.inTransaction) this.db.exec("ROLLBACK");
    this.builds.clear();
    this.deliveries.clear();
    this.dirty = false;
    this.applied = this.committed;
  }

  read<T>(read: (view: ViewAt) => T, asOf?: number): T {
    this.writeChanged();
    if (asOf === undefined || asOf >= this.applied) return read(this.viewAt(this.applied));
    const past = this.recordsAt(asOf);
    this.db.exec("SAVEPOINT as_of");
    try {
      for (const { kind, id, view } of past) {
        this.records.deleteRecord(kind, id);
        if (view === undefined) continue;
        if (kind === RecordKind.build) this.records.writeBuild(view as BuildView, undefined);
        else this.records.writeDelivery(view as DeliveryView, undefined);
      }
      return read(this.viewAt(asOf));
    } finally {
      this.db.exec("ROLLBACK TO as_of");
      this.db.exec("RELEASE as_of");
    }
  }

  sequenceAt(timeMs: number): number {
    this.writeChanged();
    // By the time index (prepared on first use: a bulk load has no indexes yet); left to itself,
    // the planner walks the table in sequence order from the start.
    this.firstAfterTime ??= this.db.prepare<[number], { seq: number | null }>("SELECT min(seq) AS seq FROM events INDEXED BY events_time WHERE t > ?");
    const first = this.firstAfterTime.get(timeMs)?.seq ?? null;
    return first === null ? this.applied : first - 1;
  }

  /** Ends a bulk load (`open` with `bulk`): indexes, statistics, durable commits from here on. */
  finishBulkLoad(): void {
    this.commit();
    finishBulkLoad(this.db);
    this.records.endBulk();
  }

  /** Closes the file, dropping what was not committed. A second call does nothing. */
  close(): void {
    if (!this.db.open) return;
    this.rollback();
    this.db.close();
  }

  private known<V>(map: Map<string, Known<V>>, id: string, load: () => V | undefined): Known<V> {
    let entry = map.get(id);
    if (entry === undefined) {
      const view = load();
      entry = { view, stored: view };
      map.set(id, entry);
    }
    return entry;
  }

  private change<V>(map: Map<string, Known<V>>, id: string, view: V): void {
    // evolve has just read the record, so it is known.
    const entry = map.get(id);
    if (entry === undefined) map.set(id, { view, stored: undefined });
    else entry.view = view;
    this.dirty = true;
  }

  /** Writes the records changed since the last write to their rows (in the open transaction). */
  private writeChanged(): void {
    this.records.flushEvents();
    if (!this.dirty) return;
    for (const entry of this.builds.values()) {
      if (entry.view === entry.stored || entry.view === undefined) continue;
      this.records.writeBuild(entry.view, entry.stored);
      entry.stored = entry.view;
    }
    for (const entry of this.deliveries.values()) {
      if (entry.view === entry.stored || entry.view === undefined) continue;
      this.records.writeDelivery(entry.view, entry.stored);
      entry.stored = entry.view;
    }
    this.dirty = false;
  }

  /**
   * The records that changed after `seq`, as they were right after it (view undefined: not yet
   * there). Each is folded again from its own events up to `seq` (the events table keeps them,
   * the record lists their sequences), with the events of the deliveries its builds began from:
   * evolve reads nothing else, so the fold gives exactly the record as it was.
   */
  private recordsAt(seq: number): { kind: RecordKind; id: string; view: BuildView | DeliveryView | undefined }[] {
    const changed = this.s.changedAfter.all(seq);
    const wanted = new Set<number>();
    const deliveries = new Set<string>();
    const take = (events: { seq: number }[] | undefined) => {
      for (const e of events ?? []) if (e.seq <= seq) wanted.add(e.seq);
    };
    for (const { kind, id } of changed) {
      if (kind === RecordKind.delivery) deliveries.add(id);
      else take(this.records.getBuild(id)?.events);
    }
    const events = new Map<number, Event>();
    for (const s of wanted) {
      const event = this.eventAt(s);
      events.set(s, event);
      deliveries.add(event.correlationId);
      if ("deliveryId" in event.data) deliveries.add(event.data.deliveryId);
    }
    for (const id of deliveries) {
      for (const e of this.records.getDelivery(id)?.events ?? []) {
        if (e.seq <= seq && !events.has(e.seq)) events.set(e.seq, this.eventAt(e.seq));
      }
    }
    const scratch = emptyModel();
    for (const s of [...events.keys()].sort((a, b) => a - b)) applyEvent(scratch, events.get(s)!, s);
    return changed.map(({ kind, id }) => ({ kind, id, view: kind === RecordKind.build ? scratch.builds.get(id) : scratch.deliveries.get(id) }));
  }

  private eventAt(seq: number): Event {
    const data = this.records.eventData(seq);
    if (data === undefined) throw new Error(`the view has no event ${seq}, which a record lists`);
    return decodeEvent(data);
  }

  private viewAt(seq: number): ViewAt {
    return { seq, getBuild: (id) => this.records.getBuild(id), getDelivery: (id) => this.records.getDelivery(id), queries: this.queries };
  }
}
