import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freePort, startService } from "@slipway/test-kit";
import { until, withFleet } from "./fleet-harness.js";

const fleet = withFleet(test);

test("leases - kill -9 of a builder mid-build: another takes the job within the 15 s lease, one build with attempt 2 and one ImagePushed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-leases-"));
  const port = await freePort();
  const projector = await startService("projector", {
    SLIPWAY_NATS_URL: fleet.nats.url,
    SLIPWAY_PROJECTOR_PORT: String(port),
    SLIPWAY_PROJECTOR_HOST: "127.0.0.1",
    SLIPWAY_PROJECTOR_DATA: join(dir, "view"),
    SLIPWAY_LOGS_DIR: join(dir, "logs"),
  });
  // Default lease: SLIPWAY_BUILD_ACK_WAIT_SECONDS is 15.
  const one = await fleet.builder({ SLIPWAY_BUILD_CONCURRENCY: "1" });
  const two = await fleet.builder({ SLIPWAY_BUILD_CONCURRENCY: "1" });
  try {
    const nonce = randomBytes(4).toString("hex");
    const q = await fleet.queue(`FROM ${fleet.base}\nRUN sleep 6 && echo ${nonce}\n`);
    assert.ok(await until(async () => (await fleet.runningSteps(nonce)) === 1, 30_000), "the RUN step runs");
    const first = await fleet.last(q.buildId, "started", "BuildStarted");
    assert.ok(first);
    const victim = [one, two].find((b) => first.data.builder.endsWith(`:${b.pid}`));
    assert.ok(victim, `BuildStarted names one of our builders: ${first.data.builder}`);
    const killedAt = Date.now();
    process.kill(victim.pid, "SIGKILL");

    assert.ok(await until(async () => (await fleet.count(q.buildId, "started")) === 2, 40_000), "a second attempt started");
    const takeoverMs = Date.now() - killedAt;
    assert.ok(takeoverMs < 16_000, `taken over after ${takeoverMs} ms`);
    assert.ok(await until(async () => (await fleet.count(q.buildId, "pushed")) === 1, 60_000));
    const view = await until(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/builds/${q.buildId}`);
      return res.ok && ((await res.json()) as { status: string }).status === "succeeded";
    }, 10_000);
    assert.ok(view, "the view shows the build succeeded");
    const build = (await (await fetch(`http://127.0.0.1:${port}/builds/${q.buildId}`)).json()) as { attempts: number; events: { type: string }[] };
    assert.is(build.attempts, 2);
    assert.is(build.events.filter((e) => e.type === "ImagePushed").length, 1);
    assert.is(build.events.filter((e) => e.type === "BuildFailed").length, 0);
    const pushed = await fleet.last(q.buildId, "pushed", "ImagePushed");
    assert.is(pushed?.data.attempt, 2);
    console.log(`  kill -9 -> second attempt started after ${takeoverMs} ms`);
  } finally {
    await one.stop();
    await two.stop();
    await projector.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("leases - three rolling restarts during one build hand it back without using its attempts", async () => {
  // Two attempts allowed: if hand-backs counted, the third restart would fail the build.
  const env = { SLIPWAY_BUILD_CONCURRENCY: "1", SLIPWAY_BUILD_MAX_ATTEMPTS: "2" };
  const nonce = randomBytes(4).toString("hex");
  let current = await fleet.builder(env);
  const q = await fleet.queue(`FROM ${fleet.base}\nRUN sleep 4 && echo ${nonce}\n`);
  for (let restart = 1; restart <= 3; restart++) {
    assert.ok(await until(async () => (await fleet.count(q.buildId, "started")) === restart, 30_000), current.output());
    const next = await fleet.builder(env);
    assert.is(await current.stop(), 0, current.output());
    current = next;
  }
  try {
    assert.ok(await until(async () => (await fleet.count(q.buildId, "pushed")) === 1, 60_000), current.output());
    assert.is(await fleet.count(q.buildId, "handedback"), 3);
    assert.is(await fleet.count(q.buildId, "started"), 4);
    assert.is(await fleet.count(q.buildId, "failed"), 0);
    const pushed = await fleet.last(q.buildId, "pushed", "ImagePushed");
    assert.is(pushed?.data.attempt, 4);
  } finally {
    await current.stop();
  }
});

test("leases - a build whose builders keep dying ends as abandoned after the last allowed attempt", async () => {
  const env = { SLIPWAY_BUILD_CONCURRENCY: "1", SLIPWAY_BUILD_MAX_ATTEMPTS: "1", SLIPWAY_BUILD_ACK_WAIT_SECONDS: "2" };
  const nonce = randomBytes(4).toString("hex");
  const doomed = await fleet.builder(env);
  const q = await fleet.queue(`FROM ${fleet.base}\nRUN sleep 20 && echo ${nonce}\n`);
  assert.ok(await until(async () => (await fleet.count(q.buildId, "started")) === 1, 30_000), doomed.output());
  process.kill(doomed.pid, "SIGKILL");
  const next = await fleet.builder(env);
  try {
    assert.ok(await until(async () => (await fleet.count(q.buildId, "failed")) === 1, 30_000), next.output());
    const failed = await fleet.last(q.buildId, "failed", "BuildFailed");
    assert.is(failed?.data.code, "SLIPWAY_BUILD_ABANDONED");
    assert.is(failed?.data.attempt, 1);
    assert.match(failed?.data.message ?? "", "abandoned after 1 attempts");
    assert.is(await fleet.count(q.buildId, "started"), 1, "no attempt past the limit");
  } finally {
    await next.stop();
  }
});

test.run();
