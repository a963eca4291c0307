import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ProjectionState, ViewFormatError } from "../src/projection-state.js";
import { messyHistory, queuedOf } from "./history.js";
import { viewBuildIds } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "view-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("view file - a reopen finds what was committed, with its checkpoint and stream; not what was not", () => {
  const path = join(dir, "a.sqlite");
  const state = ProjectionState.open(path, "2026-01-01T00:00:00Z");
  state.apply(queuedOf(1, 10, 1), 1);
  state.apply(queuedOf(2, 20, 2), 2);
  assert.is(state.commit(), 2);
  state.apply(queuedOf(3, 30, 3), 3);
  state.close();
  const again = ProjectionState.open(path, "another stream");
  assert.is(again.checkpoint(), 2);
  assert.is(again.streamCreated, "2026-01-01T00:00:00Z", "the stream it counts in is the saved one");
  assert.equal(viewBuildIds(again), ["b000000000000001", "b000000000000002"]);
  again.close();
  again.close();
});

test("view file - a new file, live or bulk-loaded, has 16 KiB pages (a build's row is ~2 KB)", () => {
  for (const [name, bulk] of [["pages-live.sqlite", false], ["pages-bulk.sqlite", true]] as const) {
    const path = join(dir, name);
    const state = ProjectionState.open(path, null, { bulk });
    state.apply(queuedOf(1, 10, 1), 1);
    if (bulk) state.finishBulkLoad();
    else state.commit();
    state.close();
    const db = new Database(path, { readonly: true });
    assert.is(db.pragma("page_size", { simple: true }), 16384, name);
    db.close();
  }
});

test("view file - a file of another layout version is refused by name", () => {
  const path = join(dir, "b.sqlite");
  const db = new Database(path);
  db.pragma("user_version = 99");
  db.close();
  assert.throws(() => ProjectionState.open(path, null), (err: unknown) => err instanceof ViewFormatError && /b\.sqlite is a view of another version/.test(err.message));
});

test("view file - a bulk load finds the rows it wrote in earlier commits (by rowid: no id index yet), also after a rollback", () => {
  const events = messyHistory(11, 400);
  const inPlace = ProjectionState.empty("2026-01-01T00:00:00Z");
  // Few records kept between commits: most later events find their record's row, not a parsed copy.
  const bulk = ProjectionState.open(join(dir, "bulk.sqlite"), "2026-01-01T00:00:00Z", { bulk: true, knownMax: 20 });
  const rolledBackAt = Math.floor(events.length / 2);
  for (const [i, event] of events.entries()) {
    inPlace.apply(event, i + 1);
    bulk.apply(event, i + 1);
    if (i % 50 === 49) bulk.commit();
    if (i === rolledBackAt) {
      // The rows made since the last commit are gone: their records are folded in again.
      bulk.rollback();
      for (let j = bulk.checkpoint(); j <= i; j++) bulk.apply(events[j]!, j + 1);
    }
  }
  bulk.finishBulkLoad();
  inPlace.commit();
  try {
    const ids = <F extends "buildId" | "deliveryId">(field: F) => [...new Set(events.flatMap((e) => (field in e.data ? [(e.data as Record<F, string>)[field]] : [])))];
    const records = (s: ProjectionState) => s.read((v) => ({ builds: ids("buildId").map((id) => v.getBuild(id)), deliveries: ids("deliveryId").map((id) => v.getDelivery(id)) }));
    const expected = records(inPlace);
    assert.ok(expected.builds.length > 100 && expected.deliveries.length > 100);
    assert.equal(records(bulk), expected, "every record as the view folded in place has it");
    assert.equal(viewBuildIds(bulk), viewBuildIds(inPlace), "each build has one row");
  } finally {
    bulk.close();
    inPlace.close();
  }
});

test("view file - a bulk load forgets the rows a rollback took back: their rowids go to the next rows", () => {
  const bulk = ProjectionState.open(join(dir, "bulk-rollback.sqlite"), null, { bulk: true, knownMax: 0 });
  try {
    bulk.apply(queuedOf(1, 10, 1), 1);
    bulk.commit();
    bulk.apply(queuedOf(2, 20, 2), 2);
    bulk.read(() => null); // writes build 2's row, in the transaction rolled back next
    bulk.rollback();
    bulk.apply(queuedOf(3, 30, 3), 2);
    bulk.commit();
    bulk.apply(queuedOf(2, 20, 2), 3);
    bulk.commit();
    bulk.finishBulkLoad();
    assert.equal(viewBuildIds(bulk).sort(), ["b000000000000001", "b000000000000002", "b000000000000003"]);
    assert.is(bulk.read((v) => v.getBuild("b000000000000003")?.id), "b000000000000003");
  } finally {
    bulk.close();
  }
});

test.run();
