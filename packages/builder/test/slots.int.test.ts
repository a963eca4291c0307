import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { durables } from "@slipway/events";
import { until, withFleet } from "./fleet-harness.js";

const fleet = withFleet(test);

test("slots - a build queued behind one longer than 3x the ack wait starts on its first delivery", async () => {
  const builder = await fleet.builder({ SLIPWAY_BUILD_CONCURRENCY: "1", SLIPWAY_BUILD_ACK_WAIT_SECONDS: "2" });
  try {
    const long = await fleet.queue(`FROM ${fleet.base}\nRUN sleep 7 && echo long-${randomBytes(4).toString("hex")}\n`);
    assert.ok(await until(async () => (await fleet.count(long.buildId, "started")) === 1, 30_000), builder.output());
    const behind = await fleet.queue(`FROM ${fleet.base}\nRUN echo behind-${randomBytes(4).toString("hex")}\n`);
    assert.ok(await until(fleet.ended(behind.buildId), 90_000), builder.output());
    assert.ok(await until(fleet.ended(long.buildId), 30_000), builder.output());

    const longPushed = await fleet.last(long.buildId, "pushed", "ImagePushed");
    const behindStarted = await fleet.last(behind.buildId, "started", "BuildStarted");
    assert.ok(longPushed && behindStarted, "both built");
    assert.is(longPushed.data.attempt, 1, "heartbeats held the long build's lease");
    assert.is(behindStarted.data.attempt, 1);
    assert.is(await fleet.count(behind.buildId, "started"), 1);
    assert.ok(behindStarted.time >= longPushed.time, "one slot: the second build waited for the first");
    // Nothing sat in a client buffer past its ack wait: the server redelivered nothing.
    const info = await fleet.jsm.consumers.info(durables.builders.stream, durables.builders.name);
    assert.is(info.num_redelivered, 0);
  } finally {
    await builder.stop();
  }
});


test("slots - builds finishing out of order leave :latest and :<branch> on the newest push", async () => {
  const builder = await fleet.builder({ SLIPWAY_BUILD_CONCURRENCY: "2" });
  const name = `order-${randomBytes(4).toString("hex")}`;
  const image = `${fleet.registry.address}/${name}`;
  const shaA = randomBytes(20).toString("hex");
  const shaB = randomBytes(20).toString("hex");
  try {
    const a = await fleet.queue(`FROM ${fleet.base}\nRUN sleep 5 && echo A-${shaA} > /which\n`, { image, sha: shaA, buildNumber: 1, tags: [shaA, "1", "master", "latest"] });
    assert.ok(await until(async () => (await fleet.count(a.buildId, "started")) === 1, 30_000), builder.output());
    const b = await fleet.queue(`FROM ${fleet.base}\nRUN echo B-${shaB} > /which\n`, { image, sha: shaB, buildNumber: 2, tags: [shaB, "2", "master", "latest"] });
    assert.ok(await until(fleet.ended(b.buildId), 60_000), builder.output());
    assert.is(await fleet.count(a.buildId, "pushed"), 0, "A is still building when B is pushed");
    assert.ok(await until(fleet.ended(a.buildId), 60_000), builder.output());

    const pushedA = await fleet.last(a.buildId, "pushed", "ImagePushed");
    const pushedB = await fleet.last(b.buildId, "pushed", "ImagePushed");
    assert.ok(pushedA && pushedB);
    assert.is.not(pushedA.data.digest, pushedB.data.digest);
    assert.equal(pushedB.data.tags.sort(), [shaB, "2", "latest", "master"].sort());
    assert.equal(pushedA.data.tags.sort(), [shaA, "1"].sort(), "A did not move the tags B holds");
    assert.is(await fleet.registry.manifestDigest(name, "latest"), pushedB.data.digest);
    assert.is(await fleet.registry.manifestDigest(name, "master"), pushedB.data.digest);
    assert.is(await fleet.registry.manifestDigest(name, "1"), pushedA.data.digest);
    const logA = (await fleet.logChunks(a.buildId)).map((c) => c.data.text).join("");
    assert.match(logA, ":latest not moved: a newer build");
    // OCI labels say which commit and build made the image.
    const labels = (await fleet.docker.getImage(`${image}:1`).inspect()).Config.Labels ?? {};
    assert.is(labels["org.opencontainers.image.revision"], shaA);
    assert.is(labels["org.opencontainers.image.version"], "1");
    assert.is(labels["dev.slipway.build-id"], a.buildId);
  } finally {
    await builder.stop();
  }
});

test("slots - 20,000 numbered log lines arrive complete and in order", async () => {
  // The classic builder: the engine's BuildKit clips a step's output at 200 KiB/s itself, before slipway sees it.
  const builder = await fleet.builder({ SLIPWAY_BUILDER_BACKEND: "legacy" });
  try {
    // A nonce, or Docker's layer cache replays the step without its output on a second run.
    const q = await fleet.queue(`FROM ${fleet.base}\nRUN echo ${randomBytes(4).toString("hex")} && i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done\n`);
    assert.ok(await until(fleet.ended(q.buildId), 120_000), builder.output());
    assert.is(await fleet.count(q.buildId, "pushed"), 1, builder.output());
    const chunks = await fleet.logChunks(q.buildId);
    let offset = 0;
    chunks.forEach((c, i) => {
      assert.is(c.data.seq, i, "chunks stored in seq order");
      assert.is(c.data.offset, offset, "each chunk starts where the previous ended");
      offset += Buffer.byteLength(c.data.text, "utf8");
    });
    const text = chunks.map((c) => c.data.text).join("");
    const numbers = [...text.matchAll(/^(?:#\d+ )?line (\d+)$/gm)].map((m) => Number(m[1]));
    assert.is(numbers.length, 20_000, text.slice(0, 600) + " ... " + text.slice(-600));
    assert.ok(numbers.every((n, i) => n === i), "every line, in order");
  } finally {
    await builder.stop();
  }
});

test("slots - SLIPWAY_BUILD_ARGS reach every build; their values stay out of the builder's own log", async () => {
  const secretish = randomBytes(6).toString("hex");
  const builder = await fleet.builder({ SLIPWAY_BUILD_ARGS: `GREETING=hello-${secretish},EMPTY=` });
  try {
    const q = await fleet.queue(`FROM ${fleet.base}\nARG GREETING\nRUN echo "greeting=$GREETING"\n`);
    assert.ok(await until(fleet.ended(q.buildId), 60_000), builder.output());
    const log = (await fleet.logChunks(q.buildId)).map((c) => c.data.text).join("");
    assert.match(log, `greeting=hello-${secretish}`);
    assert.not.match(builder.output(), secretish);
  } finally {
    await builder.stop();
  }
});

test.run();
