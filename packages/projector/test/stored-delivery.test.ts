import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { JOURNAL_FILE, ModelStore } from "../src/model-store.js";
import { ProjectionState } from "../src/projection-state.js";
import type { DeliveryView } from "../src/read-model.js";
import { SNAPSHOT_FILE } from "../src/snapshot-store.js";
import { DELIVERY, ignoredWebhook, queued, repoUpdated, webhook } from "./fixtures.js";

/**
 * A projector upgraded past the addition of `pusher` and `ignored` keeps its saved model: records
 * written before them load with both null, instead of the model being called corrupt and rebuilt.
 */

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "projector-stored-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A delivery as the projector wrote it before `pusher` and `ignored`. */
function older(d: DeliveryView | undefined): object {
  assert.ok(d);
  const { pusher: _pusher, ignored: _ignored, ...rest } = d;
  return rest;
}

async function load(dir: string) {
  const store = new ModelStore(dir);
  try {
    return await store.load();
  } finally {
    await store.close();
  }
}

test("stored delivery - an older snapshot and journal line load, pusher and ignored null", () =>
  withDir(async (dir) => {
    const state = ProjectionState.empty(null);
    state.apply(webhook(), 1);
    const snapshot = state.toSnapshot();
    state.apply(repoUpdated(), 2);
    state.apply(queued(), 3);
    const line = state.takeChanges();
    await writeFile(join(dir, SNAPSHOT_FILE), JSON.stringify({ ...snapshot, deliveries: snapshot.deliveries.map(older) }));
    await writeFile(join(dir, JOURNAL_FILE), JSON.stringify({ ...line, deliveries: line.deliveries.map(older) }) + "\n");

    const loaded = await load(dir);
    assert.ok(loaded);
    assert.is(loaded.checkpoint, 3, "the older journal line is applied, not cut off");
    const d = loaded.deliveries.find((x) => x.deliveryId === DELIVERY);
    assert.equal(d, { ...older(state.model().deliveries.get(DELIVERY)), pusher: null, ignored: null });
  }));

test("stored delivery - an ignored delivery saves and loads back as it was", () =>
  withDir(async (dir) => {
    const store = new ModelStore(dir);
    await store.load();
    const state = ProjectionState.empty(null);
    state.apply(ignoredWebhook(), 1);
    await store.save(state);
    await store.close();
    const loaded = await load(dir);
    assert.equal(loaded?.deliveries, [...state.model().deliveries.values()]);
    assert.is(loaded?.deliveries[0]?.status, "ignored");
  }));

test.run();
