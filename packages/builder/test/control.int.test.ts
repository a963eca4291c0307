import { randomBytes, randomUUID } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventIds, publishEvent } from "@slipway/events";
import { freePort, startTestRegistry } from "@slipway/test-kit";
import { until, withFleet } from "./fleet-harness.js";

const fleet = withFleet(test);

async function requestCancel(buildId: string, deliveryId: string, requestedBy: string): Promise<void> {
  await publishEvent(fleet.js, "BuildCancelRequested", { buildId, requestedBy, reason: "test" }, { id: eventIds.cancelRequested(buildId, randomUUID()), correlationId: deliveryId, causationId: null });
}

test("control - cancel of a running build stops Docker and ends it as BuildCancelled with who asked", async () => {
  const builder = await fleet.builder();
  try {
    const nonce = randomBytes(4).toString("hex");
    const q = await fleet.queue(`FROM ${fleet.base}\nRUN sleep 30 && echo ${nonce}\n`);
    assert.ok(await until(async () => (await fleet.runningSteps(nonce)) === 1, 30_000), builder.output());
    await requestCancel(q.buildId, q.deliveryId, "alice");
    assert.ok(await until(async () => (await fleet.count(q.buildId, "cancelled")) === 1, 10_000), builder.output());
    const cancelled = await fleet.last(q.buildId, "cancelled", "BuildCancelled");
    assert.is(cancelled?.data.requestedBy, "alice");
    assert.is(cancelled?.data.attempt, 1);
    assert.ok(await until(async () => (await fleet.runningSteps(nonce)) === 0, 10_000), "Docker stopped the RUN step");
    assert.is(await fleet.count(q.buildId, "pushed"), 0);
    assert.is(await fleet.count(q.buildId, "failed"), 0);
  } finally {
    await builder.stop();
  }
});

test("control - a queued build with a cancel request is dropped when it arrives, never started", async () => {
  const builder = await fleet.builder({ SLIPWAY_BUILD_CONCURRENCY: "1" });
  try {
    const nonce = randomBytes(4).toString("hex");
    const busy = await fleet.queue(`FROM ${fleet.base}\nRUN sleep 30 && echo ${nonce}\n`);
    assert.ok(await until(async () => (await fleet.runningSteps(nonce)) === 1, 30_000), builder.output());
    const waiting = await fleet.queue(`FROM ${fleet.base}\nRUN echo never\n`);
    await requestCancel(waiting.buildId, waiting.deliveryId, "bob");
    await requestCancel(busy.buildId, busy.deliveryId, "bob");
    assert.ok(await until(async () => (await fleet.count(waiting.buildId, "cancelled")) === 1, 30_000), builder.output());
    const cancelled = await fleet.last(waiting.buildId, "cancelled", "BuildCancelled");
    assert.is(cancelled?.data.attempt, 0);
    assert.is(cancelled?.data.requestedBy, "bob");
    assert.is(await fleet.count(waiting.buildId, "started"), 0);
  } finally {
    await builder.stop();
  }
});

test("control - a registry that is down when the push starts and comes back: the push is retried and succeeds", async () => {
  const port = await freePort();
  let registry = await startTestRegistry({ hostPort: port });
  const builder = await fleet.builder({ SLIPWAY_PUSH_RETRIES: "10", SLIPWAY_PUSH_RETRY_DELAY_MS: "400" });
  try {
    const q = await fleet.queue(`FROM ${fleet.base}\nRUN sleep 3 && echo outage-${randomBytes(4).toString("hex")}\n`, { image: `${registry.address}/outage` });
    assert.ok(await until(async () => (await fleet.count(q.buildId, "started")) === 1, 30_000), builder.output());
    await registry.stop();
    // The push begins as soon as the image is built, and finds no registry.
    assert.ok(await until(async () => (await fleet.count(q.buildId, "built")) === 1, 30_000), builder.output());
    await new Promise((r) => setTimeout(r, 1_500));
    registry = await startTestRegistry({ hostPort: port });
    assert.ok(await until(async () => (await fleet.count(q.buildId, "pushed")) + (await fleet.count(q.buildId, "failed")) > 0, 60_000), builder.output());
    const pushed = await fleet.last(q.buildId, "pushed", "ImagePushed");
    assert.ok(pushed, "pushed after the outage");
    assert.is(pushed.data.attempt, 1, "retried within the attempt, not by a redelivery");
    const log = (await fleet.logChunks(q.buildId)).map((c) => c.data.text).join("");
    assert.match(log, /retry 1\/10 in/);
    assert.is(await registry.manifestDigest("outage", pushed.data.tags[0]!), pushed.data.digest);
  } finally {
    await builder.stop();
    await registry.stop().catch(() => undefined);
  }
});

test("control - a registry that stays away: the push gives up after the configured retries and the build fails at stage push", async () => {
  const builder = await fleet.builder({ SLIPWAY_PUSH_RETRIES: "3", SLIPWAY_PUSH_RETRY_DELAY_MS: "100" });
  try {
    // Nothing listens on a free port: every try is "connection refused".
    const port = await freePort();
    const q = await fleet.queue(`FROM ${fleet.base}\nRUN echo gone-${randomBytes(4).toString("hex")}\n`, { image: `127.0.0.1:${port}/gone` });
    assert.ok(await until(async () => (await fleet.count(q.buildId, "failed")) === 1, 60_000), builder.output());
    const failed = await fleet.last(q.buildId, "failed", "BuildFailed");
    assert.is(failed?.data.stage, "push");
    assert.match(failed?.data.message ?? "", "connection refused");
    assert.is(failed?.data.attempt, 1, "a push failure is a verdict, not a redelivery");
    const log = (await fleet.logChunks(q.buildId)).map((c) => c.data.text).join("");
    assert.match(log, /retry 3\/3 in/);
    assert.not.match(log, /retry 4\//);
  } finally {
    await builder.stop();
  }
});

test.run();
