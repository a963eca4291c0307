import type Database from "better-sqlite3";
import type { Event } from "@slipway/events";
import { evolve, type Change } from "./evolve.js";
import type { BuildView, DeliveryView, ReadonlyModel } from "./read-model.js";
import { MetaKey, openViewDb, RecordKind } from "./view-db.js";
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

type UndoRow = { kind: RecordKind; id: string; prev: string | null };

/**
 * The read model with its checkpoint: the last stream sequence folded in. Both live in one SQLite
 * file (view-db.ts) and only move together: `apply` writes an event's change (and its undo row)
 * in an open transaction, `commit` makes everything applied so far durable with its checkpoint.
 * Reads go through the same connection, so they see what is applied, committed or not (as the
 * in-memory model did); a crash loses only what was not committed, and the checkpoint on disk
 * says where to resume.
 */
export class ProjectionState implements ReadModelAccessor {
  private readonly records: ViewRecords;
  private readonly queries: ViewQueries;
  private readonly s;
  private applied: number;
  private committed: number;
  private commits = 0;

  private constructor(
    private readonly db: Database.Database,
    readonly streamCreated: string | null,
  ) {
    this.records = new ViewRecords(db);
    this.queries = new ViewQueries(db);
    this.s = {
      setMeta: db.prepare<[string, string]>("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      undoAfter: db.prepare<[number], UndoRow>("SELECT kind, id, prev FROM undo WHERE seq > ? ORDER BY seq DESC"),
      firstAfterTime: db.prepare<[number], { seq: number | null }>("SELECT min(seq) AS seq FROM undo WHERE t > ?"),
    };
    this.applied = Number(readMeta(db, MetaKey.checkpoint) ?? 0);
    this.committed = this.applied;
  }

  /**
   * Opens the view saved at `path`, or a new one counting in the stream created at
   * `streamCreated`. Throws `ViewFormatError` for a file of another layout version.
   */
  static open(path: string, streamCreated: string | null): ProjectionState {
    const db = openViewDb(path);
    if (db === null) throw new ViewFormatError(`${path} is a view of another version`);
    const saved = readMeta(db, MetaKey.streamCreated);
    if (saved === undefined) {
      db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run(MetaKey.streamCreated, streamCreated ?? "");
      return new ProjectionState(db, streamCreated);
    }
    return new ProjectionState(db, saved === "" ? null : saved);
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

  /** Folds one event in; `event` null = a message that is no valid event, only the position moves. */
  apply(event: Event | null, seq: number): Change {
    if (seq <= this.applied) throw new RangeError(`sequence ${seq} is not after the checkpoint ${this.applied}`);
    if (!this.db.inTransaction) this.db.exec("BEGIN");
    const change = event ? this.evolve(event, seq) : {};
    this.applied = seq;
    return change;
  }

  private evolve(event: Event, seq: number): Change {
    // evolve reads records through this lookup; their JSON is kept to become the undo rows.
    const seen = { builds: new Map<string, { view: BuildView; doc: string } | null>(), deliveries: new Map<string, { view: DeliveryView; doc: string } | null>() };
    const lookup = <V>(cache: Map<string, { view: V; doc: string } | null>, docOf: (id: string) => string | undefined) => ({
      get: (id: string): V | undefined => {
        if (!cache.has(id)) {
          const doc = docOf(id);
          cache.set(id, doc === undefined ? null : { view: JSON.parse(doc) as V, doc });
        }
        return cache.get(id)?.view;
      },
    });
    const model: ReadonlyModel = {
      builds: lookup(seen.builds, (id) => this.records.buildDoc(id)),
      deliveries: lookup(seen.deliveries, (id) => this.records.deliveryDoc(id)),
    };
    const change = evolve(model, event, seq);
    const timeMs = Date.parse(event.time);
    if (change.build) {
      model.builds.get(change.build.id);
      this.records.putBuild(change.build, seen.builds.get(change.build.id) ?? null, seq, timeMs);
    }
    if (change.delivery) {
      model.deliveries.get(change.delivery.deliveryId);
      // An event changes one record; were it ever two, their undo rows need sequences of their own.
      if (change.build) throw new Error(`event ${event.id} changed a build and a delivery`);
      this.records.putDelivery(change.delivery, seen.deliveries.get(change.delivery.deliveryId) ?? null, seq, timeMs);
    }
    return change;
  }

  /** Makes everything applied durable, with its checkpoint; returns that checkpoint. */
  commit(): number {
    if (!this.db.inTransaction) return this.committed;
    this.s.setMeta.run(MetaKey.checkpoint, String(this.applied));
    this.db.exec("COMMIT");
    this.committed = this.applied;
    // Keeps the planner's statistics fresh as the tables grow (cheap when nothing changed much).
    if (++this.commits % 500 === 0) this.db.pragma("optimize");
    return this.committed;
  }

  /** Drops what was applied since the last commit (after a failed commit): back to the checkpoint on disk. */
  rollback(): void {
    if (this.db.inTransaction) this.db.exec("ROLLBACK");
    this.applied = this.committed;
  }

  read<T>(read: (view: ViewAt) => T, asOf?: number): T {
    if (asOf === undefined || asOf >= this.applied) return read(this.viewAt(this.applied));
    const undo = this.s.undoAfter.all(asOf);
    this.db.exec("SAVEPOINT as_of");
    try {
      for (const row of undo) this.records.restore(row.kind, row.id, row.prev);
      return read(this.viewAt(asOf));
    } finally {
      this.db.exec("ROLLBACK TO as_of");
      this.db.exec("RELEASE as_of");
    }
  }

  sequenceAt(timeMs: number): number {
    const first = this.s.firstAfterTime.get(timeMs)?.seq ?? null;
    return first === null ? this.applied : first - 1;
  }

  /** Fresh planner statistics, e.g. after a replay filled the tables at once. */
  analyze(): void {
    this.commit();
    this.db.exec("ANALYZE");
  }

  /** Closes the file, dropping what was not committed. A second call does nothing. */
  close(): void {
    if (!this.db.open) return;
    this.rollback();
    this.db.close();
  }

  private viewAt(seq: number): ViewAt {
    return { seq, getBuild: (id) => this.records.getBuild(id), getDelivery: (id) => this.records.getDelivery(id), queries: this.queries };
  }
}

function readMeta(db: Database.Database, key: string): string | undefined {
  return db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?").get(key)?.value;
}
