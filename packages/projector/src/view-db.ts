import Database from "better-sqlite3";

/**
 * The read model's home: one SQLite file (WAL, every commit synced). Builds and deliveries are
 * rows: the record as JSON (a delivery's `doc`; a build's list form in `summary` and its event
 * list in `events`, joined by `buildDoc`) plus the columns the API filters and orders on, each
 * with an index, so a query reads one page and never the whole model, and a page is the rows'
 * JSON joined, never parsed. The `events` table keeps every event folded
 * in, as it came from the stream, with the record it changed (`kind`, `id`) and its time: the
 * records an "as of" answer must take back, and the events to fold them again up to that point.
 */

/**
 * A build's record as JSON, from its row's `summary` (the record without its events, a JSON
 * object) and `events` (their JSON list). Kept apart, a build's JSON is stored once, not twice.
 */
export function buildDoc(summary: string, events: string): string {
  return `${summary.slice(0, -1)},"events":${events}}`;
}

/** Version of the file's layout (`PRAGMA user_version`); another version is rebuilt from the stream. */
export const VIEW_SCHEMA = 2;
export const VIEW_FILE = "view.sqlite";

const TABLES = `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE builds (
  id TEXT NOT NULL,
  t INTEGER NOT NULL,
  status TEXT NOT NULL,
  repo TEXT, branch TEXT, sha TEXT, delivery TEXT, image TEXT, dockerfile TEXT, digest TEXT,
  summary TEXT NOT NULL,
  events TEXT NOT NULL
);
CREATE TABLE deliveries (
  id TEXT NOT NULL,
  t INTEGER NOT NULL,
  status TEXT NOT NULL,
  repo TEXT,
  doc TEXT NOT NULL
);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  t INTEGER NOT NULL,
  kind INTEGER,
  id TEXT,
  data BLOB NOT NULL
);
`;


/**
 * Created after the rows in a bulk load (a replay): one sorted build per index beats keeping them
 * all up to date. The ids' too (they are no PRIMARY KEY): ids are random, and putting each into
 * its index at a random place made the row inserts ~1.5x as slow as one index build at the end.
 * Until then a load finds the rows it wrote by rowid (view-records.ts).
 */
const INDEXES = `
CREATE UNIQUE INDEX builds_id ON builds (id);
CREATE UNIQUE INDEX deliveries_id ON deliveries (id);
CREATE INDEX builds_time ON builds (t, id);
CREATE INDEX builds_status ON builds (status, t, id);
CREATE INDEX builds_repo ON builds (repo, t, id);
CREATE INDEX builds_branch ON builds (branch, t, id);
CREATE INDEX builds_sha ON builds (sha, t, id);
CREATE INDEX builds_delivery ON builds (delivery, t, id);
CREATE INDEX builds_image ON builds (image, t, id);
CREATE INDEX builds_repo_dockerfile ON builds (repo, dockerfile, t, id);
CREATE INDEX builds_digest ON builds (digest);
CREATE INDEX deliveries_time ON deliveries (t, id);
CREATE INDEX deliveries_status ON deliveries (status, t, id);
CREATE INDEX deliveries_repo ON deliveries (repo, t, id);
CREATE INDEX events_time ON events (t);
`;

/**
 * Opens (or creates) the view at `path` (":memory:" for tests); null when its layout is another
 * version. `bulk` (a new file only) makes it for a one-off load: no indexes yet and no journal or
 * syncs (the file is discarded if the load does not end), until `finishBulkLoad`.
 */
export function openViewDb(path: string, options: { bulk?: boolean } = {}): Database.Database | null {
  const db = new Database(path);
  try {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (options.bulk && version !== 0) throw new Error(`${path} exists: a bulk load needs a new file`);
    // Before anything is written (a file's page size is fixed then; an older file keeps its own).
    if (version === 0) db.pragma(`page_size = ${PAGE_BYTES}`);
    if (options.bulk) {
      db.pragma("journal_mode = OFF");
      db.pragma("synchronous = OFF");
    } else {
      db.pragma("journal_mode = WAL");
      // Durable at every commit: a checkpoint on disk is what the projector acks against.
      db.pragma("synchronous = FULL");
    }
    if (version === 0) {
      db.exec(TABLES);
      if (!options.bulk) db.exec(INDEXES);
      db.pragma(`user_version = ${VIEW_SCHEMA}`);
    } else if (version !== VIEW_SCHEMA) {
      db.close();
      return null;
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Page size of a new view file. A build's row is ~2 KB of JSON, which SQLite's default 4 KiB
 * pages hold one or two of: a replay of 1,000,000 messages (533,769 events) took 17.7-19.5 s
 * with 4 KiB pages and 14.9-18.0 s with 16 KiB (runs alternating on this 2-core machine; 8 and
 * 32 KiB in between), the view's indexes being built faster from fewer, fuller pages.
 */
const PAGE_BYTES = 16384;

/** Address space a bulk load maps its file into (SQLite's own ceiling is 2 GiB). */
const BULK_MMAP_BYTES = 2 ** 31;

/** Ends a bulk load: the indexes, the planner's statistics, then the journal and syncs of a live view. */
export function finishBulkLoad(db: Database.Database): void {
  // Each index build reads every row of its table again: through a mapping, not a read() per
  // page, it took half the time here. Only for this step: the mapped pages count as the
  // process's memory while it runs (the file, up to its size), and an I/O error on one kills
  // the process, which a load that is discarded on failure can afford.
  db.pragma(`mmap_size = ${BULK_MMAP_BYTES}`);
  db.exec(INDEXES);
  // Statistics from a sample of each index (SQLite's advice for `optimize`): the planner needs
  // the shape, not exact counts, and a full ANALYZE reads every index once more.
  db.pragma("analysis_limit = 1000");
  db.exec("ANALYZE");
  db.pragma("mmap_size = 0");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
}

/** Which record an event changed (`events.kind`). */
export const RecordKind = { build: 0, delivery: 1 } as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

export const MetaKey = { checkpoint: "checkpoint", streamCreated: "streamCreated" } as const;
type MetaKey = (typeof MetaKey)[keyof typeof MetaKey];

export function readMeta(db: Database.Database, key: MetaKey): string | undefined {
  return db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?").get(key)?.value;
}

export function writeMeta(db: Database.Database, key: MetaKey, value: string): void {
  db.prepare<[string, string]>("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
}
