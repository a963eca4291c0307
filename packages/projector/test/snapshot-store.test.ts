import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event } from "@slipway/events";
import { ProjectionState } from "../src/projection-state.js";
import { SNAPSHOT_FILE, SnapshotError, SnapshotStore } from "../src/snapshot-store.js";
import { built, pushed, queued, started, webhook } from "./fixtures.js";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "projector-snap-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function stateOf(events: Event[]): ProjectionState {
  const state = ProjectionState.empty("2026-01-01T00:00:00.000000001Z");
  events.forEach((e, i) => state.apply(e, i + 1));
  return state;
}

test("snapshot store - load without a file is null", () =>
  withDir(async (dir) => {
    assert.is(await new SnapshotStore(join(dir, "missing")).load(), null);
  }));

test("snapshot store - save then load gives the same model and checkpoint", () =>
  withDir(async (dir) => {
    const store = new SnapshotStore(join(dir, "nested", "data"));
    const state = stateOf([webhook(), queued(), started(), built(), pushed()]);
    await store.save(state.toSnapshot());
    const loaded = await store.load();
    assert.ok(loaded);
    assert.is(loaded.checkpoint, 5);
    const back = ProjectionState.fromSnapshot(loaded);
    assert.is(back.checkpoint(), 5);
    assert.equal([...back.model().builds.entries()], [...state.model().builds.entries()]);
    assert.equal([...back.model().deliveries.entries()], [...state.model().deliveries.entries()]);
    assert.is(back.streamCreated, state.streamCreated);
  }));

test("snapshot store - a save replaces the file whole and leaves no temp file", () =>
  withDir(async (dir) => {
    const store = new SnapshotStore(dir);
    await store.save(stateOf([queued()]).toSnapshot());
    await store.save(stateOf([queued(), started()]).toSnapshot());
    assert.equal(await readdir(dir), [SNAPSHOT_FILE]);
    const loaded = await store.load();
    assert.is(loaded?.checkpoint, 2);
    assert.is(loaded?.builds[0]?.status, "running");
  }));

test("snapshot store - a snapshot taken before later events stays as it was", () =>
  withDir(async (dir) => {
    const state = stateOf([queued()]);
    const snapshot = state.toSnapshot();
    state.apply(started(), 2);
    await new SnapshotStore(dir).save(snapshot);
    const loaded = await new SnapshotStore(dir).load();
    assert.is(loaded?.checkpoint, 1);
    assert.is(loaded?.builds[0]?.status, "queued");
  }));

test("snapshot store - a file that is not JSON is refused as corrupt", () =>
  withDir(async (dir) => {
    await writeFile(join(dir, SNAPSHOT_FILE), "{not json");
    const err = await new SnapshotStore(dir).load().catch((e: unknown) => e);
    assert.instance(err, SnapshotError);
    assert.is(err instanceof SnapshotError && err.code, "PROJECTOR_SNAPSHOT_CORRUPT");
  }));

test("snapshot store - a snapshot with a bad record is refused as corrupt", () =>
  withDir(async (dir) => {
    const snapshot = stateOf([queued()]).toSnapshot();
    await writeFile(join(dir, SNAPSHOT_FILE), JSON.stringify({ ...snapshot, builds: [{ ...snapshot.builds[0], status: "exploded" }] }));
    const err = await new SnapshotStore(dir).load().catch((e: unknown) => e);
    assert.is(err instanceof SnapshotError && err.code, "PROJECTOR_SNAPSHOT_CORRUPT");
  }));

test("snapshot store - a newer schema is refused as too new", () =>
  withDir(async (dir) => {
    await writeFile(join(dir, SNAPSHOT_FILE), JSON.stringify({ ...stateOf([]).toSnapshot(), schema: 2 }));
    const err = await new SnapshotStore(dir).load().catch((e: unknown) => e);
    assert.is(err instanceof SnapshotError && err.code, "PROJECTOR_SNAPSHOT_TOO_NEW");
    assert.ok(JSON.parse(await readFile(join(dir, SNAPSHOT_FILE), "utf8")).schema === 2, "file left alone");
  }));

test("projection state - refuses a sequence at or below its checkpoint", () => {
  const state = stateOf([queued()]);
  assert.throws(() => state.apply(started(), 1), /not after the checkpoint/);
});

test.run();
