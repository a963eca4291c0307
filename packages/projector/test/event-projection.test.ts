import { encodeEvent } from "@slipway/events";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startEventProjection } from "../src/event-projection.js";
import type { EventMessage, EventMessages, EventSource } from "../src/event-source.js";
import { ProjectionState } from "../src/projection-state.js";
import { queued, t, viewBuildIds } from "./fixtures.js";

const buildId = (seq: number) => `bseq${String(seq).padStart(12, "0")}`;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/**
 * A scripted durable: `scripts[n]` is the order of the n-th delivery (what the server sent,
 * redeliveries included); once they are used up, `open` delivers the stored sequences from the
 * durable's start in order, as a consumer recreated by `reposition` does.
 */
class FakeSource implements EventSource {
  readonly acked: string[] = [];
  readonly repositions: number[] = [];
  lookupFailures = 0;
  private start = 1;
  private opens = 0;

  constructor(
    private readonly stored: number[],
    private readonly scripts: number[][],
  ) {}

  async open(): Promise<EventMessages> {
    const open = this.opens++;
    const order = this.scripts[open] ?? this.stored.filter((seq) => seq >= this.start);
    const messages = order.map((seq) => this.message(seq, open));
    let closed: () => void = () => undefined;
    const whenClosed = new Promise<void>((resolve) => (closed = resolve));
    async function* deliver(): AsyncGenerator<EventMessage> {
      yield* messages;
      // A pull consumer does not end: it waits for more until closed.
      await whenClosed;
    }
    return Object.assign(deliver(), { close: async () => closed() });
  }

  async firstStoredIn(from: number, to: number): Promise<number | null> {
    if (this.lookupFailures > 0) {
      this.lookupFailures--;
      throw new Error("nats timeout");
    }
    return this.stored.find((seq) => seq >= from && seq <= to) ?? null;
  }

  async reposition(checkpoint: number): Promise<void> {
    this.repositions.push(checkpoint);
    this.start = checkpoint + 1;
  }

  private message(seq: number, open: number): EventMessage {
    return {
      seq,
      subject: `ci.build.${buildId(seq)}.queued`,
      data: encodeEvent(queued(t(seq), buildId(seq))),
      // Which delivery of which sequence was acked.
      ack: () => void this.acked.push(`${open}:${seq}`),
    };
  }
}

async function project(source: FakeSource, untilCheckpoint: number): Promise<ProjectionState> {
  const state = ProjectionState.empty(null);
  const projection = startEventProjection({
    source,
    state,
    logger: quiet,
    flushIntervalMs: 1,
    flushMaxMessages: 100,
    retryMs: 1,
  });
  try {
    for (let i = 0; i < 500 && state.checkpoint() < untilCheckpoint; i++) await new Promise((r) => setTimeout(r, 2));
  } finally {
    await projection.stop();
  }
  return state;
}

const builds = viewBuildIds;

test("event projection - a message lost in flight is applied when it returns, before the later ones", async () => {
  // 2 was lost during a reconnect; 3 and 4 came first, 2 would only return after the ack wait.
  const source = new FakeSource([1, 2, 3, 4], [[1, 3, 4]]);
  const state = await project(source, 4);
  assert.is(state.checkpoint(), 4);
  assert.equal(builds(state), [1, 2, 3, 4].map(buildId));
  assert.equal(source.repositions, [1], "delivery restarted after the checkpoint");
  // The out-of-order 3 of the first delivery was neither applied nor acked.
  assert.equal(source.acked.sort(), ["0:1", "1:2", "1:3", "1:4"]);
});

test("event projection - sequences deleted from the stream are skipped without repositioning", async () => {
  const source = new FakeSource([3, 4, 6], [[3, 4, 6]]);
  const state = await project(source, 6);
  assert.is(state.checkpoint(), 6);
  assert.equal(builds(state), [3, 4, 6].map(buildId));
  assert.equal(source.repositions, []);
  assert.equal(source.acked.sort(), ["0:3", "0:4", "0:6"]);
});

test("event projection - a failed lookup never skips: delivery restarts and asks again", async () => {
  const source = new FakeSource([1, 2, 3], [[1, 3], [3]]);
  source.lookupFailures = 1;
  const state = await project(source, 3);
  assert.equal(builds(state), [1, 2, 3].map(buildId));
  // First lookup failed (reposition), the second found 2 stored (reposition), then in order.
  assert.equal(source.repositions, [1, 1]);
  assert.is(state.checkpoint(), 3);
});

test("event projection - redeliveries of applied messages are acked, not applied again", async () => {
  const source = new FakeSource([1, 2], [[1, 2, 1, 2]]);
  const state = await project(source, 2);
  assert.is(state.checkpoint(), 2);
  assert.equal(builds(state), [1, 2].map(buildId));
  assert.equal(state.read((v) => v.getBuild(buildId(1)))?.events.length, 1);
  assert.equal(source.acked.sort(), ["0:1", "0:1", "0:2", "0:2"]);
});

test.run();
