import { mkdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishEvent, STREAM_EVENTS, type DurableSpec } from "@slipway/events";
import { waitUntil, withJetStream } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { positionDurable } from "../src/durable-position.js";
import { startEventProjection } from "../src/event-projection.js";
import { durableEventSource } from "../src/event-source.js";
import { ProjectionState } from "../src/projection-state.js";
import { viewBuildIds } from "./fixtures.js";

/**
 * The ordering rule of the projection against a real JetStream: a message delivered out of
 * order is not skipped, a sequence deleted from the stream is. In-process, with durables of its
 * own, because the service repositions its durable at start, which hides the lost message.
 */

const REPO = { key: "acme/order", name: "order", owner: "acme" };
const SHA = "f".repeat(40);
const buildId = (n: number) => `border${String(n).padStart(10, "0")}`;

const bus = withJetStream(test);
let dir = "";

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), "projector-order-int-"));
});

test.after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Publishes BuildQueued for builds `from..to`; stream sequences follow publishing order. */
async function publishBuilds(from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) {
    const data = { buildId: buildId(n), deliveryId: "order-delivery", repo: REPO, sha: SHA, branch: "main", dockerfile: "Dockerfile", image: "127.0.0.1:5500/order", tags: [SHA], buildNumber: n, contextObject: "ctx" };
    const { ack } = await publishEvent(bus.js, "BuildQueued", data, { id: `q-${buildId(n)}`, correlationId: "order-delivery", causationId: null });
    assert.is(ack.seq, n, "stream sequence = build number");
  }
}

type Logged = { level: string; obj: object; msg: string | undefined };

/** Runs a fresh projection on `spec` until `checkpoint`, then stops it; resolves to what it saw. */
async function projectUntil(spec: DurableSpec, checkpoint: number): Promise<{ state: ProjectionState; logs: Logged[] }> {
  const { js, jsm } = bus;
  const logs: Logged[] = [];
  const log = (level: string) => (obj: object, msg?: string) => void logs.push({ level, obj, msg });
  mkdirSync(join(dir, spec.name), { recursive: true });
  const state = ProjectionState.open(join(dir, spec.name, "view.sqlite"), null);
  const projection = startEventProjection({
    source: durableEventSource(js, jsm, spec),
    state,
    logger: { info: log("info"), warn: log("warn"), error: log("error"), debug: log("debug") },
    flushIntervalMs: 20,
    flushMaxMessages: 100,
  });
  try {
    await waitUntil(async () => state.checkpoint() >= checkpoint, 15_000, `projection at ${checkpoint}`, 50);
  } finally {
    await projection.stop();
  }
  return { state, logs };
}

const spec = (name: string): DurableSpec => ({ stream: STREAM_EVENTS, name, ackWaitMs: 30_000, maxDeliver: -1 });
const builds = viewBuildIds;
const warnings = (logs: Logged[]) => logs.filter((l) => l.level === "warn").map((l) => l.msg);

test("event projection - a message lost in flight is applied, in order, not skipped after later ones", async () => {
  const { js, jsm } = bus;
  await publishBuilds(1, 5);
  const durable = spec("projector-order-lost");
  await positionDurable(jsm, durable, 0);
  // Sequence 1 is delivered and never acked (lost in a reconnect): the server would send it again
  // only after the 30 s ack wait, after 2..5.
  const lost = await (await js.consumers.get(STREAM_EVENTS, durable.name)).next({ expires: 5_000 });
  assert.is(lost?.seq, 1);

  const { state, logs } = await projectUntil(durable, 5);
  assert.is(state.checkpoint(), 5);
  assert.equal(builds(state), [1, 2, 3, 4, 5].map(buildId), "every build, the lost one included");
  assert.ok(warnings(logs).includes("event delivered out of order, restarting delivery after the checkpoint"));
  await waitUntil(async () => (await jsm.consumers.info(STREAM_EVENTS, durable.name)).num_ack_pending === 0, 10_000, "all acked");
  const info = await jsm.consumers.info(STREAM_EVENTS, durable.name);
  assert.is(info.delivered.stream_seq, 5);
  assert.is(info.ack_floor.stream_seq, 5);
});

test("event projection - a sequence deleted from the stream is skipped", async () => {
  const { jsm } = bus;
  await publishBuilds(6, 8);
  assert.ok(await jsm.streams.deleteMessage(STREAM_EVENTS, 7));
  const durable = spec("projector-order-deleted");
  await positionDurable(jsm, durable, 0);
  const { state, logs } = await projectUntil(durable, 8);
  assert.is(state.checkpoint(), 8);
  assert.equal(builds(state), [1, 2, 3, 4, 5, 6, 8].map(buildId));
  assert.equal(warnings(logs), ["sequences no longer in the stream, skipped"]);
});

test("event projection - a stream whose oldest messages are gone is projected from its first one", async () => {
  const { jsm } = bus;
  // What max_age or max_bytes do to the head of the stream.
  await jsm.streams.purge(STREAM_EVENTS, { seq: 4 });
  const durable = spec("projector-order-head");
  await positionDurable(jsm, durable, 0);
  const { state, logs } = await projectUntil(durable, 8);
  assert.is(state.checkpoint(), 8);
  assert.equal(builds(state), [4, 5, 6, 8].map(buildId));
  assert.equal(warnings(logs), ["sequences no longer in the stream, skipped", "sequences no longer in the stream, skipped"]);
});

test.run();
