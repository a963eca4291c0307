import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  STREAM_EVENTS,
  STREAM_LOGS,
  decodeEvent,
  durables,
  publishEvent,
  subjects,
  type BuildQueued,
  type Event,
} from "@slipway/events";
import { ensureBaseImage, manifestDigest, removeLocalTags, startService, startTestRegistry, withJetStream, type RunningService } from "@slipway/test-kit";
import { publishQueued as publishQueuedOn, queuedBuild, storeContext as storeContextIn } from "./fixtures.js";

const bus = withJetStream(test);
let base = "";
let registryAddress = "";
let registryUrl = "";
let builder: RunningService | undefined;

test.before(async () => {
  base = await ensureBaseImage();
  const registry = bus.own(await startTestRegistry());
  registryAddress = registry.address;
  registryUrl = registry.url;
  builder = bus.own(await startService("builder", { SLIPWAY_NATS_URL: bus.nats.url }));
});

test.after(async () => {
  if (registryAddress) await removeLocalTags(registryAddress).catch((err: unknown) => console.error("cleanup:", err));
});

const storeContext = (dockerfile: string, contents: string) => storeContextIn(bus.nc, dockerfile, contents);
const queued = (buildId: string, dockerfile: string, contextObject: string) =>
  queuedBuild(buildId, { dockerfile, contextObject, image: `${registryAddress}/fruty_docker-ci_test` });
const publishQueued = (data: BuildQueued) => publishQueuedOn(bus.js, data);

/**
 * Reads a stream's messages on `filter` from the start until `done` says so. The bound only keeps a
 * broken builder from hanging the run; no assertion depends on it.
 */
async function readUntil(stream: string, filter: string, done: (events: Event[], pending: number) => boolean, boundMs = 120_000): Promise<Event[]> {
  const consumer = await bus.js.consumers.get(stream, { filter_subjects: filter });
  const messages = await consumer.consume();
  const timer = setTimeout(() => void messages.close(), boundMs);
  const events: Event[] = [];
  try {
    for await (const m of messages) {
      events.push(decodeEvent(m.data));
      if (done(events, m.info.pending)) break;
    }
  } finally {
    clearTimeout(timer);
    await messages.close().catch(() => undefined);
  }
  return events;
}

const terminal = (events: Event[]) => events.some((e) => e.type === "ImagePushed" || e.type === "BuildFailed");

async function runBuild(buildId: string, dockerfile: string, contextObject: string, data = queued(buildId, dockerfile, contextObject)) {
  const q = await publishQueued(data);
  const events = await readUntil(STREAM_EVENTS, subjects.build(buildId, "queued").replace(/queued$/, "*"), terminal);
  // Every log chunk is published (PubAck) before the terminal event, so the log stream is complete now.
  const logs = await readUntil(STREAM_LOGS, subjects.log(buildId), (_events, pending) => pending === 0, 10_000);
  const chunks = logs.flatMap((e) => (e.type === "BuildLogChunk" ? [e.data] : []));
  return { q, events, chunks, text: chunks.map((c) => c.text).join("") };
}

function assertChunksOrdered(chunks: { seq: number; offset: number; text: string }[]) {
  let offset = 0;
  chunks.forEach((c, i) => {
    assert.is(c.seq, i, "seq counts up from 0 without gaps");
    assert.is(c.offset, offset, "offset is the byte position in the attempt's log");
    offset += Buffer.byteLength(c.text, "utf8");
  });
}


test("builder - builds, tags and pushes a Dockerfile, with ordered events and logs", async () => {
  const buildId = "bok" + randomBytes(4).toString("hex");
  const nonce = randomBytes(4).toString("hex"); // a fresh RUN line, so the cache cannot skip it
  const ctx = await storeContext("Dockerfile_test", `FROM ${base}\nRUN echo hello-from-build ${nonce}\n`);
  const { q, events, chunks, text } = await runBuild(buildId, "Dockerfile_test", ctx);

  assert.equal(events.map((e) => e.type), ["BuildQueued", "BuildStarted", "ImageBuilt", "ImagePushed"], builder?.output());
  for (const e of events.slice(1)) {
    assert.is(e.causationId, q.id, `${e.type} answers the BuildQueued`);
    assert.is(e.correlationId, q.correlationId);
  }
  const [, startedEvt, built, pushed] = events;
  assert.ok(startedEvt?.type === "BuildStarted" && startedEvt.data.attempt === 1);
  assert.match(startedEvt.data.builder, /:\d+$/);
  assert.ok(built?.type === "ImageBuilt" && built.data.imageId.startsWith("sha256:"));
  assert.ok(pushed?.type === "ImagePushed");
  assert.equal(pushed.data.tags, q.data.tags);
  assert.is(pushed.data.image, q.data.image);

  for (const tag of q.data.tags) {
    assert.is(await manifestDigest(registryUrl, "fruty_docker-ci_test", tag), pushed.data.digest, `registry digest of :${tag}`);
  }
  assert.ok(chunks.length >= 1);
  assertChunksOrdered(chunks);
  assert.ok(chunks.every((c) => c.buildId === buildId && c.attempt === 1));
  assert.match(text, `hello-from-build ${nonce}`);
});

test("builder - a failing RUN ends in BuildFailed with Docker's message, without retries", async () => {
  const buildId = "bfail" + randomBytes(4).toString("hex");
  const ctx = await storeContext("Dockerfile", `FROM ${base}\nRUN exit 3\n`);
  const { events, chunks, text } = await runBuild(buildId, "Dockerfile", ctx);

  assert.equal(events.map((e) => e.type), ["BuildQueued", "BuildStarted", "BuildFailed"], builder?.output());
  const failed = events[2];
  assert.ok(failed?.type === "BuildFailed");
  assert.is(failed.data.stage, "build");
  assert.is(failed.data.code, "SLIPWAY_DOCKER_BUILD_FAILED");
  assert.is(failed.data.attempt, 1);
  assert.match(failed.data.message, /exit code: 3/);
  assertChunksOrdered(chunks);
  assert.match(text, /exit code: 3/);
});

test("builder - a missing context object fails at stage context", async () => {
  const buildId = "bctx" + randomBytes(4).toString("hex");
  const { events } = await runBuild(buildId, "Dockerfile", "test/never-stored.tar");

  assert.equal(events.map((e) => e.type), ["BuildQueued", "BuildStarted", "BuildFailed"], builder?.output());
  const failed = events[2];
  assert.ok(failed?.type === "BuildFailed");
  assert.is(failed.data.stage, "context");
  assert.is(failed.data.code, "SLIPWAY_BUILD_CONTEXT_MISSING");
});

/** Waits until the builders' consumer has acked everything up to `seq` (bounded, not a timing claim). */
async function waitAcked(seq: number, boundMs = 120_000): Promise<void> {
  const end = Date.now() + boundMs;
  while (Date.now() < end) {
    const info = await bus.jsm.consumers.info(durables.builders.stream, durables.builders.name);
    if (info.ack_floor.stream_seq >= seq) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("builder - a job that comes back after its build ended is acked without a rebuild", async () => {
  const buildId = "bredo" + randomBytes(4).toString("hex");
  const nonce = randomBytes(4).toString("hex");
  const ctx = await storeContext("Dockerfile", `FROM ${base}\nRUN echo once ${nonce}\n`);
  const data = queued(buildId, "Dockerfile", ctx);
  const first = await runBuild(buildId, "Dockerfile", ctx, data);
  assert.ok(terminal(first.events), builder?.output());

  // The same job again, as a redelivery presents it after the builder died before its ack.
  const { ack } = await publishEvent(bus.js, "BuildQueued", data, { id: `queued-again-${buildId}`, correlationId: data.deliveryId, causationId: null });
  await waitAcked(ack.seq);

  const startedEvents = await readUntil(STREAM_EVENTS, subjects.build(buildId, "started"), (_e, pending) => pending === 0, 10_000);
  assert.is(startedEvents.length, 1, "one BuildStarted: the build was not started again");
  const pushed = await readUntil(STREAM_EVENTS, subjects.build(buildId, "pushed"), (_e, pending) => pending === 0, 10_000);
  assert.is(pushed.length, 1);
  const lines = (builder?.output() ?? "").split("\n").filter((l) => l.includes(buildId));
  assert.is(lines.filter((l) => l.includes('"build started"')).length, 1, "no second run in the builder's log");
  assert.ok(lines.some((l) => l.includes("already finished")), "the redelivery is logged");
});

test.run();
