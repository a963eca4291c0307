import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { withJetStream } from "@slipway/test-kit";
import { createEvent, encodeEvent } from "../src/codec.js";
import { consumeEvents, UNSUPPORTED_VERSION_DELAY_MS, type ConsumeLoop, type EventLogger, type HandlerContext } from "../src/consume.js";
import type { Event } from "../src/envelope.js";
import { publishEvent } from "../src/publish.js";
import { ensureDurable, STREAM_EVENTS } from "../src/streams.js";
import { subjects } from "../src/subjects.js";
import { eventIds } from "../src/ids.js";
import { SlipwayError } from "../src/errors.js";

const bus = withJetStream(test);

/** A logger that keeps what it was told, by level. */
function recordingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (_obj: object, msg?: string) => void lines.push({ level, msg: msg ?? "" });
  const logger: EventLogger = { info: at("info"), warn: at("warn"), error: at("error") };
  return { logger, lines, said: (level: string, text: string) => lines.some((l) => l.level === level && l.msg.includes(text)) };
}

/**
 * What the consume loop answered the server, per stream sequence: acks travel on the message's
 * reply subject (`$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>...`), which a plain subscriber sees.
 */
function watchAcks(consumer: string) {
  const answers: { seq: number; payload: string }[] = [];
  const sub = bus.nc.subscribe(`$JS.ACK.${STREAM_EVENTS}.${consumer}.>`, {
    callback: (_err, m) => {
      const payload = Buffer.from(m.data).toString("utf8");
      // Progress pings are not answers.
      if (payload !== "+WPI") answers.push({ seq: Number(m.subject.split(".")[5]), payload });
    },
  });
  return { answers, sub };
}

/** Waits until `check` holds, polling; the bound only keeps a broken loop from hanging the run. */
async function until(check: () => boolean, boundMs = 15_000): Promise<void> {
  const end = Date.now() + boundMs;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

function queuedData(buildId: string) {
  return {
    buildId,
    deliveryId: "d-" + buildId,
    repo: { key: "acme/app", name: "app", owner: "acme" },
    sha: "a".repeat(40),
    branch: "master",
    dockerfile: "Dockerfile",
    image: "127.0.0.1:5500/acme_app",
    tags: ["latest"],
    buildNumber: 1,
    contextObject: "unused",
  };
}

/** A fresh durable on one build's subjects, so tests never see each other's messages. */
async function freshDurable(tag: string) {
  const buildId = tag + randomBytes(4).toString("hex");
  const spec = { stream: STREAM_EVENTS, name: `consume-${buildId}`, filter: `ci.build.${buildId}.*`, ackWaitMs: 30_000, maxDeliver: 5 };
  await ensureDurable(bus.jsm, spec);
  return { buildId, spec };
}

test("consume - an event newer than this consumer knows is given back with a delay, an invalid one is acked away", async () => {
  const { buildId, spec } = await freshDurable("cver");
  const acks = watchAcks(spec.name);
  const { logger, said } = recordingLogger();
  const handled: Event[] = [];
  let loop: ConsumeLoop | undefined;
  try {
    const current = createEvent("BuildQueued", queuedData(buildId), { id: "q-" + buildId, correlationId: "c", causationId: null });
    const newer = await bus.js.publish(subjects.build(buildId, "queued"), encodeEvent({ ...current, version: 99 }));
    const invalid = await bus.js.publish(subjects.build(buildId, "started"), Buffer.from("not json"));
    loop = consumeEvents(await bus.js.consumers.get(spec.stream, spec.name), async (e) => void handled.push(e), { logger, maxDeliver: spec.maxDeliver });
    await until(() => acks.answers.length >= 2);

    const answerTo = (seq: number) => acks.answers.filter((a) => a.seq === seq).map((a) => a.payload);
    assert.equal(answerTo(newer.seq), [`-NAK ${JSON.stringify({ delay: UNSUPPORTED_VERSION_DELAY_MS * 1_000_000 })}`], "newer version: nak with delay");
    assert.equal(answerTo(invalid.seq), ["+ACK"], "invalid event: acked away");
    assert.is(handled.length, 0, "the handler never sees either");
    assert.ok(said("error", "newer version"), "the newer version is logged as an error");
    assert.ok(said("error", "invalid event acked away"));
    // Not acked: the message is still the consumer's, waiting for a newer process.
    const info = await bus.jsm.consumers.info(spec.stream, spec.name);
    assert.is(info.ack_floor.stream_seq < newer.seq, true, "the newer event is not acked");
  } finally {
    await loop?.stop();
    acks.sub.unsubscribe();
    await bus.jsm.consumers.delete(spec.stream, spec.name).catch(() => undefined);
  }
});

test("consume - an ack the server does not confirm is logged, not treated as a handler failure", async () => {
  const { buildId, spec } = await freshDurable("cack");
  const acks = watchAcks(spec.name);
  const { logger, said, lines } = recordingLogger();
  let runs = 0;
  let loop: ConsumeLoop | undefined;
  try {
    await publishEvent(bus.js, "BuildQueued", queuedData(buildId), { id: "q-" + buildId, correlationId: "c", causationId: null });
    // The consumer disappears while the work runs: the server can no longer confirm the ack.
    loop = consumeEvents(
      await bus.js.consumers.get(spec.stream, spec.name),
      async () => {
        runs++;
        await bus.jsm.consumers.delete(spec.stream, spec.name);
      },
      { logger, maxDeliver: spec.maxDeliver },
    );
    await until(() => lines.some((l) => l.level === "warn"));

    assert.is(runs, 1);
    assert.ok(said("warn", "ack not confirmed"), JSON.stringify(lines));
    assert.not.ok(said("warn", "handler failed"), "the work succeeded; only its ack is unconfirmed");
    assert.not.ok(acks.answers.some((a) => a.payload.startsWith("-NAK")), "no nak after finished work");
  } finally {
    await loop?.stop();
    acks.sub.unsubscribe();
    await bus.jsm.consumers.delete(spec.stream, spec.name).catch(() => undefined);
  }
});

test("consume - stop aborts the handler's signal and hands its message back at once", async () => {
  const { buildId, spec } = await freshDurable("cstop");
  const acks = watchAcks(spec.name);
  const first = recordingLogger();
  let started!: () => void;
  const handlerStarted = new Promise<void>((resolve) => (started = resolve));
  let sawAbort = false;
  let loop: ConsumeLoop | undefined;
  let second: ConsumeLoop | undefined;
  try {
    const { ack } = await publishEvent(bus.js, "BuildQueued", queuedData(buildId), { id: "q-" + buildId, correlationId: "c", causationId: null });
    // Long work that gives up when told to, as a Docker build does with its abort signal.
    const longWork = (_e: Event, ctx: HandlerContext) =>
      new Promise<void>((_resolve, reject) => {
        started();
        const bound = setTimeout(() => reject(new Error("never aborted")), 20_000);
        ctx.signal.addEventListener("abort", () => {
          sawAbort = true;
          clearTimeout(bound);
          reject(new Error("aborted"));
        });
      });
    loop = consumeEvents(await bus.js.consumers.get(spec.stream, spec.name), longWork, { logger: first.logger, maxDeliver: spec.maxDeliver });
    await handlerStarted;
    await loop.stop();
    await until(() => acks.answers.length > 0);

    assert.ok(sawAbort, "the handler's signal was aborted by stop()");
    assert.equal(acks.answers.filter((a) => a.seq === ack.seq).map((a) => a.payload), ["-NAK"], "handed back without delay");
    assert.not.ok(first.said("warn", "handler failed"), "a stop is not a failure");
    assert.ok(first.said("info", "handed back"));

    // Another process takes it well before the 30 s ack wait. (Its delivery count is not asserted:
    // nats-server 2.9 may report 1 again after a hand-back, nats-server#5305.)
    const attempts: number[] = [];
    second = consumeEvents(await bus.js.consumers.get(spec.stream, spec.name), async (_e, ctx) => void attempts.push(ctx.attempt), {
      logger: recordingLogger().logger,
      maxDeliver: spec.maxDeliver,
    });
    await until(() => attempts.length > 0, 15_000);
    assert.is(attempts.length, 1, "the handed-back message was delivered again at once");
  } finally {
    await loop?.stop();
    await second?.stop();
    acks.sub.unsubscribe();
    await bus.jsm.consumers.delete(spec.stream, spec.name).catch(() => undefined);
  }
});

test("verdict - a build's second terminal event, of any type, is dropped by JetStream as a duplicate", async () => {
  const buildId = "bv" + randomBytes(4).toString("hex");
  const links = { id: eventIds.verdict(buildId), correlationId: "d1", causationId: null };
  const digest = "sha256:" + "a".repeat(64);
  const first = await publishEvent(bus.js, "ImagePushed", { buildId, image: "127.0.0.1:5500/x", tags: ["latest"], digest, attempt: 1 }, links);
  const second = await publishEvent(bus.js, "BuildFailed", { buildId, stage: "infrastructure", code: "X", message: "late", attempt: 1 }, links);
  assert.is(first.ack.duplicate, false);
  assert.is(second.ack.duplicate, true);
  const failed = subjects.build(buildId, "failed");
  const info = await bus.jsm.streams.info(STREAM_EVENTS, { subjects_filter: failed });
  assert.is(info.state.subjects?.[failed] ?? 0, 0);
});

test("consume - an expected failure logs its code and reason without a stack, a bug keeps its stack", async () => {
  const { buildId, spec } = await freshDurable("clog");
  const logged: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void logged.push({ level, obj: { ...obj }, msg: msg ?? "" });
  const logger: EventLogger = { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") };
  let loop: ConsumeLoop | undefined;
  try {
    await publishEvent(bus.js, "BuildQueued", queuedData(buildId), { id: "q-" + buildId, correlationId: "c", causationId: null });
    loop = consumeEvents(
      await bus.js.consumers.get(spec.stream, spec.name),
      async (_e, ctx) => {
        if (ctx.attempt === 1) throw new SlipwayError("TEST_HOST_DOWN", "the host is down");
        if (ctx.attempt === 2) throw new TypeError("x is undefined");
      },
      { logger, maxDeliver: spec.maxDeliver, retryDelayMs: (n) => 10 * n },
    );
    await until(() => logged.filter((l) => l.msg === "handler failed, message will be redelivered").length === 2);

    const [expected, bug] = logged.filter((l) => l.msg === "handler failed, message will be redelivered");
    assert.equal(expected!.obj, { type: "BuildQueued", id: "q-" + buildId, attempt: 1, retryInMs: 10, code: "TEST_HOST_DOWN", err: "the host is down" });
    assert.is(expected!.level, "warn");
    const stack = logged.find((l) => l.level === "debug");
    assert.ok(stack && stack.obj.err instanceof SlipwayError, "the stack goes to debug");
    assert.ok(bug!.obj.err instanceof TypeError, "a bug is logged with its error, stack and all");
  } finally {
    await loop?.stop();
    await bus.jsm.consumers.delete(spec.stream, spec.name).catch(() => undefined);
  }
});

test.run();
