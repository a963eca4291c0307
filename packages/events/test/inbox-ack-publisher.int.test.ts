import { test } from "uvu";
import * as assert from "uvu/assert";
import { JetStreamApiError } from "@nats-io/jetstream";
import { ClosedConnectionError, connect, headers, NoRespondersError, TimeoutError } from "@nats-io/transport-node";
import { withJetStream } from "@slipway/test-kit";
import { decodeEvent } from "../src/codec.js";
import { eventIds } from "../src/ids.js";
import { inboxAckPublisher } from "../src/inbox-ack-publisher.js";
import { publishEvent } from "../src/publish.js";
import { STREAM_EVENTS } from "../src/streams.js";

const bus = withJetStream(test);

const webhook = (deliveryId: string) => ({
  deliveryId,
  source: "push" as const,
  repo: { key: "acme/app", name: "app", owner: "acme" },
  ref: "refs/heads/main",
  branch: "main",
  requestedSha: "0123456789abcdef0123456789abcdef01234567",
  defaultBranch: "main",
  pusher: "dev",
});
/** The error `promise` rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.unreachable("expected a rejection, the promise resolved");
  return undefined;
}

const links = (deliveryId: string) => ({ id: eventIds.webhookReceived(deliveryId), correlationId: deliveryId, causationId: null });

test("inbox-ack publisher - 200 publishes at once: each acked with its own sequence, stored once, in the stream as sent", async () => {
  const publisher = inboxAckPublisher(bus.nc);
  const before = (await bus.jsm.streams.info(STREAM_EVENTS)).state.last_seq;
  const ids = Array.from({ length: 200 }, (_, i) => `many-${i}`);
  const results = await Promise.all(ids.map((id) => publishEvent(publisher, "WebhookReceived", webhook(id), links(id))));
  const seqs = results.map((r) => r.ack.seq);
  assert.is(new Set(seqs).size, 200, "one sequence per publish");
  assert.ok(seqs.every((s) => s > before && s <= before + 200), "the 200 sequences after the stream's last one");
  assert.ok(results.every((r) => r.ack.stream === STREAM_EVENTS && !r.ack.duplicate));
  for (const { event, ack } of [results[0]!, results[199]!]) {
    const stored = await bus.jsm.streams.getMessage(STREAM_EVENTS, { seq: ack.seq });
    assert.equal(decodeEvent(stored!.data), event, "the stored message is the event acked at that sequence");
  }
});

test("inbox-ack publisher - the same event again is a duplicate at the first one's sequence", async () => {
  const publisher = inboxAckPublisher(bus.nc);
  const first = await publishEvent(publisher, "WebhookReceived", webhook("twice"), links("twice"));
  const again = await publishEvent(publisher, "WebhookReceived", webhook("twice"), links("twice"));
  assert.is(again.ack.duplicate, true);
  assert.is(again.ack.seq, first.ack.seq);
});

test("inbox-ack publisher - errors are the client's own: no stream, a refused publish, a timeout, a closed connection", async () => {
  const nc = await connect({ servers: bus.nats.url });
  const publisher = inboxAckPublisher(nc);
  const h = headers();
  assert.instance(await rejection(publisher.publish("nowhere.at-all", new Uint8Array([1]), { msgID: "x1", headers: h, timeout: 2000 })), NoRespondersError);

  await bus.jsm.streams.add({ name: "TINY", subjects: ["tiny.>"], max_msg_size: 8 });
  const refused = await rejection(publisher.publish("tiny.a", new Uint8Array(64), { msgID: "x2", headers: h, timeout: 2000 }));
  assert.instance(refused, JetStreamApiError);
  assert.match((refused as Error).message, /size/i);

  // A plain subscriber that never answers stands in for a stream whose ack is lost.
  const silent = nc.subscribe("silent.>");
  await nc.flush();
  const started = Date.now();
  assert.instance(await rejection(publisher.publish("silent.a", new Uint8Array([1]), { msgID: "x3", headers: h, timeout: 300 })), TimeoutError);
  assert.ok(Date.now() - started >= 290, "waited for the timeout");
  silent.unsubscribe();

  // Waiting for an ack when the connection closes: rejected at once, not at its timeout.
  nc.subscribe("silent.>");
  const pending = rejection(publisher.publish("silent.b", new Uint8Array([1]), { msgID: "x4", headers: h, timeout: 10_000 }));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const closedAt = Date.now();
  await nc.close();
  assert.instance(await pending, ClosedConnectionError);
  assert.ok(Date.now() - closedAt < 5_000);
  assert.instance(await rejection(publisher.publish("tiny.b", new Uint8Array([1]), { msgID: "x5", headers: h, timeout: 2000 })), ClosedConnectionError);
  await bus.jsm.streams.delete("TINY");
});

test.run();
