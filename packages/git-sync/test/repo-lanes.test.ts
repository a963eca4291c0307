import { test } from "uvu";
import * as assert from "uvu/assert";
import { RepoLanes } from "../src/repo-lanes.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("repo lanes - one repository's work runs one at a time, in order; others run alongside", async () => {
  const lanes = new RepoLanes();
  const log: string[] = [];
  let running = 0;
  let most = 0;
  const job = (key: string, name: string, ms: number) =>
    lanes.run(key, async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
      running--;
    });
  await Promise.all([job("a", "a1", 30), job("a", "a2", 1), job("b", "b1", 5), job("a", "a3", 1)]);
  // a2 waits for a1 although it is shorter; b1 does not wait for anything.
  assert.ok(log.indexOf("end a1") < log.indexOf("start a2"));
  assert.ok(log.indexOf("end a2") < log.indexOf("start a3"));
  assert.ok(log.indexOf("start b1") < log.indexOf("end a1"));
  assert.is(most, 2);
  assert.is(lanes.busy, 0, "finished lanes are removed");
});

test("repo lanes - a failure is its caller's, and the lane goes on", async () => {
  const lanes = new RepoLanes();
  const first = lanes.run("a", async () => {
    throw new Error("clone failed");
  });
  const second = lanes.run("a", async () => "fetched");
  const failure = await first.then(() => null, (err: Error) => err.message);
  assert.is(failure, "clone failed");
  assert.is(await second, "fetched");
});

test.run();
