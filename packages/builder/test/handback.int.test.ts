import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { STREAM_EVENTS, STREAM_LOGS, decodeEvent, subjects, type Event } from "@slipway/events";
import { ensureBaseImage, runningSteps, removeLocalTags, startService, startTestRegistry, withJetStream, type RunningService } from "@slipway/test-kit";
import { publishQueued, queuedBuild, storeContext } from "./fixtures.js";

const bus = withJetStream(test);
let base = "";
let registryAddress = "";

test.before(async () => {
  base = await ensureBaseImage();
  registryAddress = bus.own(await startTestRegistry()).address;
});

test.after(async () => {
  if (registryAddress) await removeLocalTags(registryAddress).catch((err: unknown) => console.error("cleanup:", err));
});

/** Collects the events of one subject filter as they are stored, from the start. */
async function collect(stream: string, filter: string) {
  const events: Event[] = [];
  const messages = await (await bus.js.consumers.get(stream, { filter_subjects: filter })).consume();
  void (async () => {
    for await (const m of messages) events.push(decodeEvent(m.data));
  })();
  return { events, close: () => messages.close().catch(() => undefined) };
}

/** Polls `check`; the bound only keeps a broken builder from hanging the run. */
async function until(check: () => boolean | Promise<boolean>, boundMs = 60_000): Promise<boolean> {
  const end = Date.now() + boundMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}


test("builder - a stop cuts the build off and hands the job to the next builder at once", async () => {
  const buildId = "bstop" + randomBytes(4).toString("hex");
  const nonce = randomBytes(4).toString("hex");
  const contextObject = await storeContext(bus.nc, "Dockerfile", `FROM ${base}\nRUN sleep 30 && echo ${nonce}\n`);
  const startedEvents = await collect(STREAM_EVENTS, subjects.build(buildId, "started"));
  const logs = await collect(STREAM_LOGS, subjects.log(buildId));
  const logText = () => logs.events.flatMap((e) => (e.type === "BuildLogChunk" ? [e.data.text] : [])).join("");
  let first: RunningService | undefined;
  let second: RunningService | undefined;
  try {
    first = await startService("builder", { SLIPWAY_NATS_URL: bus.nats.url });
    await publishQueued(bus.js, queuedBuild(buildId, { image: `${registryAddress}/fruty_docker-ci_stop`, tags: ["latest"], contextObject }));
    // The RUN step is running once its container exists.
    assert.ok(await until(async () => startedEvents.events.length === 1 && (await runningSteps(nonce)) === 1), first.output());

    const t0 = Date.now();
    const code = await first.stop();
    const stopMs = Date.now() - t0;
    assert.is(code, 0, first.output());
    assert.ok(stopMs < 10_000, `stopped in ${stopMs} ms, not after the build's 30 s`);
    assert.ok(await until(async () => (await runningSteps(nonce)) === 0, 10_000), "Docker cancelled the RUN step");
    assert.match(first.output(), "build handed back");
    assert.not.match(first.output(), "handler failed");
    assert.is(await bus.jsm.streams.getMessage(STREAM_EVENTS, { last_by_subj: subjects.build(buildId, "failed") }), null, "a stop is no verdict");

    // Another builder takes the job without waiting out the 60 s ack wait.
    second = await startService("builder", { SLIPWAY_NATS_URL: bus.nats.url });
    assert.ok(await until(() => startedEvents.events.length === 2, 30_000), second.output());
    const attempts = startedEvents.events.map((e) => (e.type === "BuildStarted" ? e.data.attempt : -1));
    assert.equal(attempts, [1, 2]);
    assert.ok(await until(async () => (await runningSteps(nonce)) === 1, 30_000), second.output());
    assert.is(await second.stop(), 0, second.output());
    assert.match(logText(), "attempt 1 handed back");
  } finally {
    await first?.stop();
    await second?.stop();
    await startedEvents.close();
    await logs.close();
  }
});

test("builder - a build over SLIPWAY_BUILD_TIMEOUT_SECONDS is stopped and fails, without retries", async () => {
  const buildId = "btime" + randomBytes(4).toString("hex");
  const nonce = randomBytes(4).toString("hex");
  const contextObject = await storeContext(bus.nc, "Dockerfile", `FROM ${base}\nRUN sleep 60 && echo ${nonce}\n`);
  const builder = await startService("builder", { SLIPWAY_NATS_URL: bus.nats.url, SLIPWAY_BUILD_TIMEOUT_SECONDS: "3" });
  const failedSubject = subjects.build(buildId, "failed");
  try {
    await publishQueued(bus.js, queuedBuild(buildId, { image: `${registryAddress}/fruty_docker-ci_slow`, tags: ["latest"], contextObject }));
    const stored = async () => bus.jsm.streams.getMessage(STREAM_EVENTS, { last_by_subj: failedSubject });
    assert.ok(await until(async () => (await stored()) !== null, 45_000), builder.output());
    const failed = decodeEvent((await stored())!.data);
    if (failed.type !== "BuildFailed") throw new Error(`unexpected ${failed.type}`);
    assert.is(failed.data.code, "SLIPWAY_BUILD_TIMEOUT");
    assert.is(failed.data.stage, "build");
    assert.is(failed.data.attempt, 1);
    assert.match(failed.data.message, /3 s/);
    assert.ok(await until(async () => (await runningSteps(nonce)) === 0, 10_000), "Docker cancelled the RUN step");
    const starts = await bus.jsm.streams.info(STREAM_EVENTS, { subjects_filter: subjects.build(buildId, "started") });
    assert.is(starts.state.subjects?.[subjects.build(buildId, "started")], 1, "no retry after a timeout");
  } finally {
    await builder.stop();
  }
});

test.run();
