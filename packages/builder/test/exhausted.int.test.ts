import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Subscription } from "@nats-io/transport-node";
import { STREAM_EVENTS, decodeEvent, ensureDurable, subjects, type Event } from "@slipway/events";
import { createLogger } from "@slipway/service-kit";
import { withJetStream } from "@slipway/test-kit";
import { BUILD_ABANDONED } from "../src/build-job.js";
import { watchExhaustedBuilds } from "../src/exhausted.js";
import { publishQueued, queuedBuild } from "./fixtures.js";

const bus = withJetStream(test);

test("exhausted - a build whose deliveries ran out without a verdict is reported failed", async () => {
  const { nc, js, jsm } = bus;
  const buildId = "bexh" + randomBytes(4).toString("hex");
  // No builder service runs here: this consumer stands in for builders that take the job and die.
  const spec = { stream: STREAM_EVENTS, name: `exhaust-${buildId}`, filter: subjects.build(buildId, "queued"), ackWaitMs: 500, maxDeliver: 2 };
  await ensureDurable(jsm, spec);
  const logger = createLogger("test", "silent");
  // Two watchers, as two running builders would have: both report, the shared event id dedups.
  const watchers: Subscription[] = [watchExhaustedBuilds(nc, jsm, js, spec, logger), watchExhaustedBuilds(nc, jsm, js, spec, logger)];
  const messages = await (await js.consumers.get(spec.stream, spec.name)).consume({ max_messages: 1 });
  const failedSub = nc.subscribe(subjects.build(buildId, "failed"), { max: 1 });
  const bound = setTimeout(() => failedSub.unsubscribe(), 30_000);
  try {
    const q = await publishQueued(js, queuedBuild(buildId, { image: "127.0.0.1:5500/fruty_docker-ci", tags: ["latest"], contextObject: "unused" }));
    const deliveries: number[] = [];
    void (async () => {
      for await (const m of messages) deliveries.push(m.info.deliveryCount); // never acked
    })();

    let failed: Event | undefined;
    for await (const m of failedSub) failed = decodeEvent(m.data);
    assert.ok(failed?.type === "BuildFailed", "a BuildFailed was published");
    assert.is(failed.data.code, BUILD_ABANDONED);
    assert.is(failed.data.stage, "infrastructure");
    assert.is(failed.data.attempt, 2);
    assert.is(failed.causationId, q.id);
    assert.is(failed.correlationId, q.correlationId);
    assert.equal(deliveries, [1, 2]);
  } finally {
    clearTimeout(bound);
    await messages.close().catch(() => undefined);
    for (const w of watchers) w.unsubscribe();
    await jsm.consumers.delete(spec.stream, spec.name).catch(() => undefined);
  }
});

test.run();
