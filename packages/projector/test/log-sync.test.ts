import { test } from "uvu";
import * as assert from "uvu/assert";
import { startLogSync } from "../src/log-sync.js";

/** A writer that records syncs; `failOnce` makes the next sync of that build fail. */
function fakeWriter(unsynced: Map<string, number>) {
  const synced: string[] = [];
  const failOnce = new Set<string>();
  return {
    synced,
    failOnce,
    unsyncedBuilds: () => [...unsynced],
    sync: async (buildId: string) => {
      if (failOnce.delete(buildId)) throw new Error("EIO");
      if (unsynced.delete(buildId)) synced.push(buildId);
    },
  };
}

const quiet = { error: () => undefined };
const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

test("log sync - a log is synced once its build has a verdict, not before", async () => {
  const unsynced = new Map([["running", 0], ["done", 0]]);
  const finished = new Set(["done"]);
  const writer = fakeWriter(unsynced);
  const sync = startLogSync({ writer, finished: (id) => finished.has(id), logger: quiet, intervalMs: 5, now: () => 0 });
  try {
    await tick();
    assert.equal(writer.synced, ["done"]);
    // A chunk written after the verdict (the log consumer was behind): synced again.
    unsynced.set("done", 0);
    finished.add("running");
    await tick();
    assert.equal(writer.synced.sort(), ["done", "done", "running"]);
  } finally {
    await sync.stop();
  }
});

test("log sync - an idle log is synced without a verdict; a failed sync is tried again", async () => {
  let clock = 0;
  const unsynced = new Map([["hung", 0]]);
  const writer = fakeWriter(unsynced);
  writer.failOnce.add("hung");
  const errors: object[] = [];
  const sync = startLogSync({ writer, finished: () => false, logger: { error: (o) => errors.push(o) }, intervalMs: 5, idleMs: 1000, now: () => clock });
  try {
    await tick();
    assert.equal(writer.synced, [], "not idle long enough");
    clock = 1000;
    await tick();
    assert.is(errors.length, 1);
    assert.equal(writer.synced, ["hung"]);
  } finally {
    await sync.stop();
  }
});

test("log sync - stopping syncs every log written, finished or not", async () => {
  const unsynced = new Map([["a", 0], ["b", 0]]);
  const writer = fakeWriter(unsynced);
  const sync = startLogSync({ writer, finished: () => false, logger: quiet, intervalMs: 60_000, now: () => 0 });
  await sync.stop();
  assert.equal(writer.synced, ["a", "b"]);
});

test.run();
