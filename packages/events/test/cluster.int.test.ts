import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { startTestCluster, waitUntil, type TestCluster } from "@slipway/test-kit";
import { CONTEXTS_BUCKET, defaultStreamOptions, ensureContextStore, ensureStreams, publishEvent, STREAM_EVENTS, STREAM_LOGS } from "../src/index.js";

// A real 3-node JetStream cluster: what SLIPWAY_STREAM_REPLICAS=3 makes, and what a publish does
// while the cluster replaces a stream leader that died.
let cluster: TestCluster;
let nc: NatsConnection;
let jsm: JetStreamManager;
const options = { ...defaultStreamOptions(), replicas: 3 };

test.before(async () => {
  try {
    cluster = await startTestCluster(3);
    nc = await connect({ servers: cluster.urls.split(",") });
    jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, options);
    await ensureContextStore(nc, options);
    await new Kvm(nc).create("cluster-test", { history: 1, replicas: options.replicas });
  } catch (err) {
    // uvu does not print a before hook's error.
    console.error("cluster test setup failed:", err);
    throw err;
  }
});

test.after(async () => {
  await nc?.close().catch(() => undefined);
  await cluster?.stop();
});

test("cluster - streams, the contexts store and buckets keep 3 copies", async () => {
  for (const name of [STREAM_EVENTS, STREAM_LOGS, `OBJ_${CONTEXTS_BUCKET}`, "KV_cluster-test"]) {
    const info = await jsm.streams.info(name);
    assert.is(info.config.num_replicas, 3, name);
    assert.ok(info.cluster?.leader, `${name} has a leader`);
    assert.is(info.cluster?.replicas?.length, 2, `${name} has two followers`);
  }
});

test("cluster - every event published while the events stream's leader is killed is stored, once", async () => {
  const before = (await jsm.streams.info(STREAM_EVENTS)).state.messages;
  const leaderName = (await jsm.streams.info(STREAM_EVENTS)).cluster?.leader;
  const leader = cluster.nodes.find((n) => n.name === leaderName);
  assert.ok(leader, `leader ${leaderName} is one of ours`);
  await leader.kill();

  const js = jetstream(nc);
  const failures: string[] = [];
  // One publish every 100 ms for 6 s: longer than the election (~4.5 s here).
  for (let i = 0; i < 60; i++) {
    const buildId = `cluster-${i}`;
    await publishEvent(js, "BuildCancelRequested", { buildId, requestedBy: "cluster test", reason: "leader killed" }, { id: `cancel-${buildId}`, correlationId: buildId, causationId: null }).catch((err: Error) => failures.push(err.message));
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(failures, []);
  const after = await jsm.streams.info(STREAM_EVENTS);
  assert.is(after.state.messages - before, 60);
  assert.ok(after.cluster?.leader && after.cluster.leader !== leaderName, `a new leader (${after.cluster?.leader})`);

  // The killed node comes back on its store and catches up.
  await leader.start();
  await waitUntil(
    async () => {
      const info = await jsm.streams.info(STREAM_EVENTS);
      return info.cluster?.replicas?.some((r) => r.name === leaderName && r.current) ?? false;
    },
    30_000,
    `${leaderName} current again`,
  );
});

test.run();
