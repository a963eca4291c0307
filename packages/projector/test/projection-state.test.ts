import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ProjectionState, ViewFormatError } from "../src/projection-state.js";
import { queuedOf } from "./history.js";
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

test("view file - a file of another layout version is refused by name", () => {
  const path = join(dir, "b.sqlite");
  const db = new Database(path);
  db.pragma("user_version = 99");
  db.close();
  assert.throws(() => ProjectionState.open(path, null), (err: unknown) => err instanceof ViewFormatError && /b\.sqlite is a view of another version/.test(err.message));
});

test.run();
