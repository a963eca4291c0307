import type Database from "better-sqlite3";
import { recordKey } from "./record-key.js";
import type { BuildView, DeliveryView } from "./read-model.js";
import { RecordKind } from "./view-db.js";

/** A record's row: its JSON and the columns the indexes read. */
type BuildRow = { id: string; t: number; status: string; repo: string | null; branch: string | null; sha: string | null; delivery: string | null; image: string | null; dockerfile: string | null; digest: string | null; doc: string };
type DeliveryRow = { id: string; t: number; status: string; repo: string | null; doc: string };

// Empty strings are "not known yet" (a build seen before its BuildQueued): stored as NULL, never
// matched by a filter (an empty filter value is refused).
const known = (value: string | null): string | null => (value === "" || value === null ? null : value);

function buildRow(b: BuildView, doc: string): BuildRow {
  return {
    id: b.id,
    t: recordKey(b.queuedAt, b.id).t,
    status: b.status,
    repo: known(b.repo),
    branch: known(b.branch),
    sha: known(b.sha),
    delivery: known(b.deliveryId),
    image: known(b.image),
    dockerfile: known(b.dockerfile),
    digest: known(b.digest),
    doc,
  };
}

function deliveryRow(d: DeliveryView, doc: string): DeliveryRow {
  return { id: d.deliveryId, t: recordKey(d.receivedAt, d.deliveryId).t, status: d.status, repo: known(d.repo), doc };
}

/** Whether two rows differ in a column other than `status` and `doc` (which are cheap to update). */
function keysChanged<R extends { status: string; doc: string }>(a: R, b: R): boolean {
  for (const k of Object.keys(a) as (keyof R)[]) {
    if (k !== "status" && k !== "doc" && a[k] !== b[k]) return true;
  }
  return false;
}

/**
 * Reads and writes build and delivery records, and their undo rows. A record is kept with its
 * JSON text: a read parses it, and a write that replaces it keeps that text as the undo row,
 * so each version is serialised once.
 */
export class ViewRecords {
  private readonly s;

  constructor(readonly db: Database.Database) {
    this.s = {
      build: db.prepare<[string], { doc: string }>("SELECT doc FROM builds WHERE id = ?"),
      delivery: db.prepare<[string], { doc: string }>("SELECT doc FROM deliveries WHERE id = ?"),
      insertBuild: db.prepare<BuildRow>("INSERT INTO builds (id, t, status, repo, branch, sha, delivery, image, dockerfile, digest, doc) VALUES (@id, @t, @status, @repo, @branch, @sha, @delivery, @image, @dockerfile, @digest, @doc)"),
      updateBuild: db.prepare<BuildRow>("UPDATE builds SET t = @t, status = @status, repo = @repo, branch = @branch, sha = @sha, delivery = @delivery, image = @image, dockerfile = @dockerfile, digest = @digest, doc = @doc WHERE id = @id"),
      // Only the columns that change as a build runs: SQLite then leaves the other indexes alone.
      updateBuildStatus: db.prepare<{ id: string; status: string; doc: string }>("UPDATE builds SET status = @status, doc = @doc WHERE id = @id"),
      deleteBuild: db.prepare<[string]>("DELETE FROM builds WHERE id = ?"),
      insertDelivery: db.prepare<DeliveryRow>("INSERT INTO deliveries (id, t, status, repo, doc) VALUES (@id, @t, @status, @repo, @doc)"),
      updateDelivery: db.prepare<DeliveryRow>("UPDATE deliveries SET t = @t, status = @status, repo = @repo, doc = @doc WHERE id = @id"),
      updateDeliveryStatus: db.prepare<{ id: string; status: string; doc: string }>("UPDATE deliveries SET status = @status, doc = @doc WHERE id = @id"),
      deleteDelivery: db.prepare<[string]>("DELETE FROM deliveries WHERE id = ?"),
      undo: db.prepare<[number, number, number, string, string | null]>("INSERT INTO undo (seq, t, kind, id, prev) VALUES (?, ?, ?, ?, ?)"),
    };
  }

  /** A build's stored JSON, or undefined. */
  buildDoc(id: string): string | undefined {
    return this.s.build.get(id)?.doc;
  }

  deliveryDoc(id: string): string | undefined {
    return this.s.delivery.get(id)?.doc;
  }

  getBuild(id: string): BuildView | undefined {
    const doc = this.buildDoc(id);
    return doc === undefined ? undefined : (JSON.parse(doc) as BuildView);
  }

  getDelivery(id: string): DeliveryView | undefined {
    const doc = this.deliveryDoc(id);
    return doc === undefined ? undefined : (JSON.parse(doc) as DeliveryView);
  }

  /**
   * Replaces a build (`prev`: the record it replaces and its JSON, or null for a new one) and
   * records the undo row of event `seq` (stamped `timeMs`).
   */
  putBuild(next: BuildView, prev: { view: BuildView; doc: string } | null, seq: number, timeMs: number): void {
    const row = buildRow(next, JSON.stringify(next));
    if (prev === null) this.s.insertBuild.run(row);
    else if (keysChanged(row, buildRow(prev.view, prev.doc))) this.s.updateBuild.run(row);
    else this.s.updateBuildStatus.run({ id: row.id, status: row.status, doc: row.doc });
    this.s.undo.run(seq, timeMs, RecordKind.build, next.id, prev?.doc ?? null);
  }

  putDelivery(next: DeliveryView, prev: { view: DeliveryView; doc: string } | null, seq: number, timeMs: number): void {
    const row = deliveryRow(next, JSON.stringify(next));
    if (prev === null) this.s.insertDelivery.run(row);
    else if (keysChanged(row, deliveryRow(prev.view, prev.doc))) this.s.updateDelivery.run(row);
    else this.s.updateDeliveryStatus.run({ id: row.id, status: row.status, doc: row.doc });
    this.s.undo.run(seq, timeMs, RecordKind.delivery, next.deliveryId, prev?.doc ?? null);
  }

  /**
   * Puts a record back as an undo row kept it (`doc` null: the event created it, so it goes).
   * Undo rows are rolled back newest first, so the record is there, as that event left it.
   */
  restore(kind: RecordKind, id: string, doc: string | null): void {
    if (kind === RecordKind.build) {
      if (doc === null) this.s.deleteBuild.run(id);
      else this.s.updateBuild.run(buildRow(JSON.parse(doc) as BuildView, doc));
    } else if (doc === null) this.s.deleteDelivery.run(id);
    else this.s.updateDelivery.run(deliveryRow(JSON.parse(doc) as DeliveryView, doc));
  }
}
