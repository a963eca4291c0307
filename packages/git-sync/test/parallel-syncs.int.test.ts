import { createGitFixture, withJetStream } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGitHttpServer } from "./git-http-server.js";
import { startSyncRig, type SyncRig } from "./sync-rig.js";

/**
 * A slow repository holds up only itself: git-sync syncs different repositories at once, and one
 * repository's pushes one after another, in the order they came.
 */
const TOKEN = "parallel-syncs-token";
const HOLD_MS = 4000;

const bus = withJetStream(test);
let rig: SyncRig;

test.before(async () => {
  const slow = createGitFixture("slow");
  slow.commit({ Dockerfile: "FROM scratch\n" });
  for (const name of ["fast-a", "fast-b", "fast-c"]) createGitFixture(name, slow.root).commit({ Dockerfile: "FROM scratch\n" });
  // Every request for the slow repository waits: its clone takes several round trips of HOLD_MS.
  const http = bus.own(await startGitHttpServer(slow.root, "x-access-token", TOKEN, { holdMs: (path) => (path.startsWith("/slow.git/") ? HOLD_MS : 0) }));
  rig = await startSyncRig(bus, `${http.url}/{name}.git`, { SLIPWAY_GIT_TOKEN: TOKEN, SLIPWAY_GIT_SYNC_CONCURRENCY: "4" });
});

test("parallel syncs - other repositories finish while a slow one syncs; one repository's pushes keep their order", async () => {
  const run = Date.now().toString(36);
  const slow = `${run}-slow`;
  await rig.send(slow, "slow");
  const fastA = [1, 2, 3].map((i) => `${run}-a${i}`);
  for (const id of fastA) await rig.send(id, "fast-a");
  await rig.send(`${run}-b`, "fast-b");
  await rig.send(`${run}-c`, "fast-c");

  const started = Date.now();
  const fast = await Promise.all([...fastA, `${run}-b`, `${run}-c`].map((id) => rig.waitFor(id, "RepoUpdated", 30_000)));
  const fastDoneMs = Date.now() - started;
  assert.ok(fastDoneMs < HOLD_MS, `the fast repositories were done after ${fastDoneMs} ms, not behind the slow one (each of its requests waits ${HOLD_MS} ms)`);
  assert.equal(rig.events(slow).filter((e) => e.type === "RepoUpdated").length, 0, "the slow one is still syncing");

  // fast-a's three pushes were numbered in the order they came.
  assert.equal(fast.slice(0, 3).map((e) => e.data.buildNumber), [1, 2, 3]);
  const slowUpdated = await rig.waitFor(slow, "RepoUpdated", 60_000);
  assert.is(slowUpdated.data.buildNumber, 1);
});

test.run();
