import { suite, test } from "uvu";
import * as assert from "uvu/assert";
import type { JetStreamManager } from "@nats-io/jetstream";
import { decodeEvent, publishEvent, STREAM_EVENTS, STREAM_LOGS } from "@slipway/events";
import { queuedBuild, tcpReachable, withJetStream, type SuiteHooks } from "../src/index.js";

/** `withJetStream` itself: the bus a suite's tests get, what its `after` stops and in which order. */

const bus = withJetStream(test);

async function streamNames(jsm: JetStreamManager): Promise<string[]> {
  const names: string[] = [];
  for await (const s of jsm.streams.list()) names.push(s.config.name);
  return names.sort();
}

test("withJetStream - in a test the bus has slipway's streams, and a publish is acked and stored", async () => {
  assert.match(bus.nats.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(await streamNames(bus.jsm), [STREAM_EVENTS, STREAM_LOGS].sort());
  const data = queuedBuild("bkit000000000001", { image: "127.0.0.1:5500/kit", contextObject: "ctx" });
  const { event, ack } = await publishEvent(bus.js, "BuildQueued", data, { id: "q-bkit000000000001", correlationId: data.deliveryId, causationId: null });
  assert.is(ack.stream, STREAM_EVENTS);
  assert.not.ok(ack.duplicate);
  const stored = await bus.jsm.streams.getMessage(STREAM_EVENTS, { seq: ack.seq });
  assert.ok(stored, `message ${ack.seq} is stored`);
  assert.equal(decodeEvent(stored.data), event);
});

test("withJetStream - after stops what the bus owns, last owned first, while client and server are up; then both", async () => {
  // A suite whose hooks this test runs itself, to look at the bus once its `after` has run.
  const before: (() => unknown)[] = [];
  const after: (() => unknown)[] = [];
  const hooks: SuiteHooks = { before: (fn) => void before.push(fn), after: (fn) => void after.push(fn) };
  const owner = withJetStream(hooks);
  let afterRan = false;
  try {
    for (const fn of before) await fn();
    const { hostname, port } = new URL(owner.nats.url);
    const stopped: { name: string; serverAnswers: boolean }[] = [];
    const resource = (name: string) => ({
      stop: async () => void stopped.push({ name, serverAnswers: await owner.nc.rtt().then(() => true, () => false) }),
    });
    const first = resource("first");
    assert.is(owner.own(first), first, "own returns what it was given");
    owner.own(resource("second"));
    owner.own(resource("last"));

    for (const fn of after) await fn();
    afterRan = true;
    assert.equal(stopped, [
      { name: "last", serverAnswers: true },
      { name: "second", serverAnswers: true },
      { name: "first", serverAnswers: true },
    ]);
    assert.ok(owner.nc.isClosed(), "the client is closed");
    assert.not.ok(await tcpReachable(hostname, Number(port)), "the server is stopped");
    await owner.nats.stop(); // a second stop, as after a test that stopped NATS itself, is a no-op
  } finally {
    if (!afterRan) for (const fn of after) await fn();
  }
});

test.run();

const bare = suite("withJetStream without streams");
const bareBus = withJetStream(bare, { streams: false });

bare("withJetStream - { streams: false } gives a JetStream server with no stream", async () => {
  assert.equal(await streamNames(bareBus.jsm), []);
  assert.is((await bareBus.jsm.getAccountInfo()).streams, 0);
});

bare.run();
