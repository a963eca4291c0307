import { test } from "uvu";
import * as assert from "uvu/assert";
import { LogStream, splitUtf8, type LogChunk, type Schedule } from "../src/log-stream.js";

/** A clock the test advances by hand: no real timers, no timing assertions. */
function manualClock() {
  const pending = new Set<() => void>();
  const schedule: Schedule = (fn) => {
    pending.add(fn);
    return () => pending.delete(fn);
  };
  return {
    schedule,
    get armed() {
      return pending.size;
    },
    fire() {
      const fns = [...pending];
      pending.clear();
      for (const fn of fns) fn();
    },
  };
}

function recorder() {
  const sent: LogChunk[] = [];
  return { sent, send: async (c: LogChunk) => void sent.push(c) };
}

test("log-stream - batches small writes into one chunk on flush", async () => {
  const clock = manualClock();
  const r = recorder();
  const log = new LogStream(r.send, { schedule: clock.schedule, maxChunkBytes: 1024 });
  log.write("Step 1/2\n");
  log.write("hello\n");
  assert.equal(r.sent, []);
  await log.flush();
  assert.equal(r.sent, [{ seq: 0, offset: 0, text: "Step 1/2\nhello\n" }]);
  assert.is(clock.armed, 0, "flush cancels the pending timer");
});

test("log-stream - the flush interval sends what is buffered", async () => {
  const clock = manualClock();
  const r = recorder();
  const log = new LogStream(r.send, { schedule: clock.schedule, maxChunkBytes: 1024 });
  log.write("a\n");
  log.write("b\n");
  assert.is(clock.armed, 1, "one timer for a batch, not one per write");
  clock.fire();
  log.write("c\n");
  clock.fire();
  await log.flush();
  assert.equal(r.sent, [
    { seq: 0, offset: 0, text: "a\nb\n" },
    { seq: 1, offset: 4, text: "c\n" },
  ]);
});

test("log-stream - a full buffer is sent at once, in pieces no larger than the limit", async () => {
  const clock = manualClock();
  const r = recorder();
  const log = new LogStream(r.send, { schedule: clock.schedule, maxChunkBytes: 4 });
  log.write("0123456789");
  await log.flush();
  assert.equal(r.sent, [
    { seq: 0, offset: 0, text: "0123" },
    { seq: 1, offset: 4, text: "4567" },
    { seq: 2, offset: 8, text: "89" },
  ]);
  assert.is(log.bytes, 10);
});

test("log-stream - offsets count UTF-8 bytes, not characters", async () => {
  const r = recorder();
  const log = new LogStream(r.send, { schedule: manualClock().schedule, maxChunkBytes: 1024 });
  log.write("caf\u00e9\n");
  await log.flush();
  log.write("ok\n");
  await log.flush();
  assert.equal(r.sent[1], { seq: 1, offset: 6, text: "ok\n" });
  assert.is(log.bytes, 9);
});

test("log-stream - chunks are handed out in order, at most `window` unconfirmed, even when sends are slow", async () => {
  const clock = manualClock();
  const started: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const log = new LogStream(
    async (c) => {
      started.push(c.text);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Earlier chunks take longer to confirm.
      for (let i = 0; i < 4 - c.seq; i++) await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
    },
    { schedule: clock.schedule, maxChunkBytes: 2, window: 2 },
  );
  log.write("aabbccdd");
  await log.flush();
  assert.equal(started, ["aa", "bb", "cc", "dd"]);
  assert.is(maxInFlight, 2);
});

test("log-stream - a failed send stops later chunks and flush throws it", async () => {
  const sent: number[] = [];
  const boom = new Error("no PubAck");
  const log = new LogStream(
    async (c) => {
      if (c.seq === 1) throw boom;
      sent.push(c.seq);
    },
    { schedule: manualClock().schedule, maxChunkBytes: 1, window: 1 },
  );
  log.write("abc");
  try {
    await log.flush();
    assert.unreachable("flush should throw");
  } catch (err) {
    assert.is(err, boom);
  }
  assert.equal(sent, [0]);
});

test("log-stream - output past the cap is dropped after one truncation line; slipway's own notes still pass", async () => {
  const r = recorder();
  const log = new LogStream(r.send, { schedule: manualClock().schedule, maxBytes: 10 });
  log.write("0123456\n");
  log.write("789abcdef\n");
  log.write("more output\n");
  log.note("slipway: pushed\n");
  await log.flush();
  const text = r.sent.map((c) => c.text).join("");
  assert.ok(log.wasTruncated);
  assert.ok(text.startsWith("0123456\n78\nslipway: log truncated at 10 bytes"), text);
  assert.is(text.match(/truncated/g)?.length, 1);
  assert.not.match(text, "more output");
  assert.ok(text.endsWith("slipway: pushed\n"));
});

test("log-stream - ready() waits while the unconfirmed backlog is over the high-water mark", async () => {
  const confirms: (() => void)[] = [];
  const log = new LogStream(() => new Promise<void>((resolve) => confirms.push(resolve)), {
    schedule: manualClock().schedule,
    maxChunkBytes: 4,
    highWaterBytes: 8,
    window: 100,
  });
  log.write("0123456789ab"); // three chunks of 4 bytes, none confirmed: 12 > 8
  let ready = false;
  const waiting = log.ready().then(() => (ready = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(ready, false, "backlog over the mark");
  confirms.shift()!(); // 8 bytes left: not over the mark
  await waiting;
  assert.is(ready, true);
  for (const c of confirms) c();
  await log.flush();
});

test("log-stream - empty writes and an empty flush send nothing", async () => {
  const clock = manualClock();
  const r = recorder();
  const log = new LogStream(r.send, { schedule: clock.schedule });
  log.write("");
  await log.flush();
  assert.equal(r.sent, []);
  assert.is(clock.armed, 0);
});

const splits: [string, string, number, string[]][] = [
  ["short text is one piece", "abc", 4, ["abc"]],
  ["empty text is no piece", "", 4, []],
  ["ASCII is cut at the limit", "abcdef", 4, ["abcd", "ef"]],
  ["a 2-byte character is not cut", "ab\u00e9cd", 3, ["ab", "\u00e9c", "d"]],
  ["a 4-byte character moves whole to the next piece", "abc\u{1F6A2}", 5, ["abc", "\u{1F6A2}"]],
];
for (const [name, text, max, expected] of splits) {
  test(`log-stream - splitUtf8: ${name}`, () => {
    const pieces = splitUtf8(text, max);
    assert.equal(pieces, expected);
    assert.is(pieces.join(""), text);
  });
}

test.run();
