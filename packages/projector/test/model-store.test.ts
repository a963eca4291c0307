import { appendFile, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { JOURNAL_FILE, ModelStore } from "../src/model-store.js";
import { ProjectionState } from "../src/projection-state.js";
import { SNAPSHOT_FILE, SnapshotStore } from "../src/snapshot-store.js";
import { BUILD, built, pushed, queued, started, webhook } from "./fixtures.js";

const CREATED = "2026-01-01T00:00:00Z";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "projector-store-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function same(a: ProjectionState, b: ProjectionState): void {
  assert.is(a.checkpoint(), b.checkpoint());
  assert.equal([...a.model().builds.entries()], [...b.model().builds.entries()]);
  assert.equal([...a.model().deliveries.entries()], [...b.model().deliveries.entries()]);
}

async function reload(dir: string): Promise<ProjectionState> {
  const store = new ModelStore(dir);
  const snapshot = await store.load();
  await store.close();
  assert.ok(snapshot, "something was saved");
  return ProjectionState.fromSnapshot(snapshot);
}

test("model store - empty dir loads as null", () =>
  withDir(async (dir) => {
    const store = new ModelStore(dir);
    assert.is(await store.load(), null);
    await store.close();
  }));

test("model store - batches after the first snapshot go to the journal, and load back whole", () =>
  withDir(async (dir) => {
    const store = new ModelStore(dir);
    await store.load();
    const state = ProjectionState.empty(CREATED);
    state.apply(webhook(), 1);
    state.apply(queued(), 2);
    assert.is(await store.save(state), 2);
    const snapshotSize = (await stat(join(dir, SNAPSHOT_FILE))).size;
    state.apply(started(), 3);
    state.apply(built(), 4);
    await store.save(state);
    state.apply(pushed(), 5);
    assert.is(await store.save(state), 5);
    await store.close();
    assert.is((await stat(join(dir, SNAPSHOT_FILE))).size, snapshotSize, "snapshot not rewritten");
    assert.is((await readFile(join(dir, JOURNAL_FILE), "utf8")).trim().split("\n").length, 2);
    const back = await reload(dir);
    same(back, state);
    assert.is(back.model().builds.get(BUILD)?.status, "succeeded");
  }));

test("model store - a torn last journal line is ignored and cut off", () =>
  withDir(async (dir) => {
    const store = new ModelStore(dir);
    await store.load();
    const state = ProjectionState.empty(CREATED);
    state.apply(queued(), 1);
    await store.save(state);
    state.apply(started(), 2);
    await store.save(state);
    await store.close();
    await appendFile(join(dir, JOURNAL_FILE), '{"checkpoint":3,"builds":[{"id":"b');
    const reopened = new ModelStore(dir);
    const snapshot = await reopened.load();
    assert.ok(snapshot);
    assert.is(snapshot.checkpoint, 2);
    // Saving after a torn tail continues cleanly after the last whole line.
    const continued = ProjectionState.fromSnapshot(snapshot);
    continued.apply(pushed(), 3);
    await reopened.save(continued);
    await reopened.close();
    same(await reload(dir), continued);
  }));

test("model store - the journal is folded into a new snapshot once it outgrows it", () =>
  withDir(async (dir) => {
    const store = new ModelStore(dir, { compactMinBytes: 1 });
    await store.load();
    const state = ProjectionState.empty(CREATED);
    state.apply(queued(), 1);
    await store.save(state);
    for (let i = 0; i < 6; i++) {
      state.apply(queued(undefined, `b00000000000${String(i).padStart(4, "0")}`), i + 2);
      await store.save(state);
    }
    await store.close();
    const journal = await readFile(join(dir, JOURNAL_FILE), "utf8");
    assert.ok(journal.split("\n").filter(Boolean).length < 6, "journal was reset by a fold");
    same(await reload(dir), state);
  }));

test("model store - journal lines at or below the snapshot's checkpoint are skipped", () =>
  withDir(async (dir) => {
    const store = new ModelStore(dir);
    await store.load();
    const state = ProjectionState.empty(CREATED);
    state.apply(queued(), 1);
    await store.save(state);
    state.apply(started(), 2);
    await store.save(state);
    await store.close();
    // A fold that crashed after writing its snapshot, before emptying the journal.
    state.apply(pushed(), 3);
    await new SnapshotStore(dir).save(state.toSnapshot());
    assert.match(await readFile(join(dir, JOURNAL_FILE), "utf8"), /"checkpoint":2/);
    const back = await reload(dir);
    same(back, state);
    assert.is(back.model().builds.get(BUILD)?.status, "succeeded");
  }));

test("model store - save before load is refused", async () => {
  const err = await new ModelStore("/nonexistent").save(ProjectionState.empty(CREATED)).catch((e: unknown) => e);
  assert.instance(err, Error);
});

test("model store - journal lines without a snapshot are dropped", () =>
  withDir(async (dir) => {
    const store = new ModelStore(dir);
    await store.load();
    const state = ProjectionState.empty(CREATED);
    state.apply(queued(), 1);
    await store.save(state);
    state.apply(started(), 2);
    await store.save(state);
    await store.close();
    await rm(join(dir, SNAPSHOT_FILE));
    const reopened = new ModelStore(dir);
    assert.is(await reopened.load(), null);
    await reopened.close();
    assert.is(await readFile(join(dir, JOURNAL_FILE), "utf8"), "");
  }));

test("model store - clear forgets everything", () =>
  withDir(async (dir) => {
    const store = new ModelStore(dir);
    await store.load();
    const state = ProjectionState.empty(CREATED);
    state.apply(queued(), 1);
    await store.save(state);
    await store.clear();
    await store.close();
    assert.is(await new ModelStore(dir).load(), null);
  }));

test.run();
