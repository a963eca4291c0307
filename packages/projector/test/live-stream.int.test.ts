import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishEncoded, STREAM_EVENTS, STREAM_LOGS, type Event } from "@slipway/events";
import { waitUntil, withJetStream } from "@slipway/test-kit";
import type { FastifyInstance } from "fastify";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildApp } from "../src/app.js";
import { ProjectionState } from "../src/projection-state.js";
import { cancelledEv, ev, failed, logChunk, pushed, queued, started } from "./fixtures.js";
import { openSse, type SseClient } from "./sse-client.js";

/** `GET /builds/:id/log/stream` and `GET /events/stream` on a real NATS, the app in-process. */

const SHOP = { key: "acme/shop", name: "shop", owner: "acme" };
const HEARTBEAT_MS = 200;

const bus = withJetStream(test);
type Ctx = { dir: string; state: ProjectionState; url: string; open: SseClient[] };
let ctx: Ctx | null = null;
const need = (): Ctx => {
  if (!ctx) throw new Error("setup failed");
  return ctx;
};

async function listen(options: { apiToken?: string } = {}): Promise<{ app: FastifyInstance; url: string }> {
  const { dir, state } = need();
  const app = buildApp({ readModel: state, logsDir: join(dir, "logs"), apiToken: options.apiToken, live: { js: bus.js, jsm: bus.jsm, heartbeatMs: HEARTBEAT_MS } });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { app, url };
}

test.before(async () => {
  const dir = await mkdtemp(join(tmpdir(), "projector-live-"));
  ctx = { dir, state: ProjectionState.empty(null), url: "", open: [] };
  const { app, url } = await listen();
  ctx.url = url;
  bus.own({
    stop: async () => {
      for (const c of need().open) c.close();
      await app.close();
    },
  });
});

test.after(async () => {
  if (ctx) await rm(ctx.dir, { recursive: true, force: true });
});

/** Opens a stream and remembers it, so that a failed assertion does not leave it open. */
async function sse(path: string, headers: Record<string, string> = {}, base = need().url): Promise<SseClient> {
  const client = await openSse(base + path, headers);
  need().open.push(client);
  return client;
}

async function publish(...events: Event[]): Promise<number[]> {
  const seqs: number[] = [];
  for (const e of events) seqs.push((await publishEncoded(bus.js, e)).seq);
  return seqs;
}

/** Chunks with running offsets, as a builder writes them. */
function chunks(buildId: string, texts: string[], attempt = 1, from = 0): Event[] {
  let offset = from;
  return texts.map((text) => {
    const e = logChunk(offset, text, attempt, buildId);
    offset += Buffer.byteLength(text);
    return e;
  });
}

async function consumerCounts(): Promise<[number, number]> {
  const { jsm } = bus;
  return [(await jsm.streams.info(STREAM_LOGS)).state.consumer_count, (await jsm.streams.info(STREAM_EVENTS)).state.consumer_count];
}

const TEXTS = ["Step 1/3 : FROM busybox\n", "Step 2/3 : RUN printf 'a\\nb'\na\nb\n", "progress 50%\r\nprogress 100%\n", "héllo\n\n", "no newline at the end"];

test("log stream - 404 for an unknown build, 400 for a bad Last-Event-ID, before any stream", async () => {
  const missing = await sse("/builds/bnothere00000001/log/stream");
  assert.is(missing.status, 404);
  await missing.ended;
  assert.is(JSON.parse(missing.body()).error.code, "BUILD_NOT_FOUND");
  await publish(queued(undefined, "blive00000000400"));
  const bad = await sse("/builds/blive00000000400/log/stream", { "last-event-id": "abc" });
  assert.is(bad.status, 400);
  await bad.ended;
  assert.is(JSON.parse(bad.body()).error.code, "BAD_REQUEST");
});

test("log stream - a finished build: every chunk in order with its sequence, then the verdict, then the end", async () => {
  const id = "blive00000000001";
  await publish(queued(undefined, id), started(1, undefined, id));
  const seqs = await publish(...chunks(id, TEXTS));
  const verdict = pushed(1, undefined, id);
  await publish(verdict);
  const before = await consumerCounts();
  const c = await sse(`/builds/${id}/log/stream`);
  assert.is(c.status, 200);
  assert.match(String(c.headers["content-type"]), /^text\/event-stream/);
  await c.ended;
  await waitUntil(async () => (await consumerCounts()).join() === before.join(), 5000, "its consumer deleted at the end");
  assert.equal(c.events.map((e) => e.event), ["attempt", ...TEXTS.map(() => "log"), "verdict"]);
  assert.equal(JSON.parse(c.events[0]!.data), { attempt: 1 });
  const logs = c.events.filter((e) => e.event === "log");
  assert.equal(logs.map((e) => Number(e.id)), seqs);
  assert.equal(logs.map((e) => e.data), TEXTS.map((t) => t.replace(/\r\n/g, "\n")));
  assert.equal(JSON.parse(c.events.at(-1)!.data), verdict);
  assert.is(c.events.at(-1)!.id, undefined);
});

test("log stream - Last-Event-ID (header or ?lastEventId=) resumes exactly after it", async () => {
  const id = "blive00000000001";
  const first = await sse(`/builds/${id}/log/stream`);
  await first.ended;
  const logs = first.events.filter((e) => e.event === "log");
  const mid = logs[1]!.id!;
  for (const c of [await sse(`/builds/${id}/log/stream`, { "last-event-id": mid }), await sse(`/builds/${id}/log/stream?lastEventId=${mid}`)]) {
    await c.ended;
    assert.equal(c.events.map((e) => e.event), ["attempt", "log", "log", "log", "verdict"]);
    assert.equal(c.events.filter((e) => e.event === "log").map((e) => [e.id, e.data]), logs.slice(2).map((e) => [e.id, e.data]));
  }
  const past = await sse(`/builds/${id}/log/stream`, { "last-event-id": logs.at(-1)!.id! });
  await past.ended;
  assert.equal(past.events.map((e) => e.event), ["verdict"]);
});

test("log stream - a running build: chunks live, and every chunk stored before the verdict comes before it", async () => {
  const id = "blive00000000002";
  await publish(queued(undefined, id), started(1, undefined, id), ...chunks(id, ["first\n"]));
  const c = await sse(`/builds/${id}/log/stream`);
  await c.waitFor(2);
  await publish(...chunks(id, ["second\n", "third\n"], 1, 6));
  await c.waitFor(4);
  // A burst right before the verdict, as a builder's last lines: the verdict may be seen first.
  const burst = Array.from({ length: 300 }, (_, i) => `line ${i}\n`);
  const burstSeqs = await publish(...chunks(id, burst, 1, 19));
  await publish(failed(1, undefined, id));
  await c.ended;
  const logs = c.events.filter((e) => e.event === "log");
  assert.is(logs.length, 3 + burst.length);
  assert.equal(logs.slice(3).map((e) => Number(e.id)), burstSeqs);
  assert.is(c.events.at(-1)!.event, "verdict");
  assert.is(JSON.parse(c.events.at(-1)!.data).type, "BuildFailed");
});

test("log stream - an attempt message opens each builder attempt", async () => {
  const id = "blive00000000003";
  await publish(queued(undefined, id), started(1, undefined, id), ...chunks(id, ["try one\n"]), started(2, undefined, id), ...chunks(id, ["try two\n"], 2), pushed(2, undefined, id));
  const c = await sse(`/builds/${id}/log/stream`);
  await c.ended;
  assert.equal(c.events.map((e) => [e.event, e.data]).slice(0, 4), [["attempt", '{"attempt":1}'], ["log", "try one\n"], ["attempt", '{"attempt":2}'], ["log", "try two\n"]]);
});

test("log stream - heartbeat comments keep an idle stream open; leaving deletes its consumers", async () => {
  const id = "blive00000000004";
  await publish(queued(undefined, id), started(1, undefined, id));
  const before = await consumerCounts();
  const c = await sse(`/builds/${id}/log/stream`);
  await waitUntil(async () => (await consumerCounts()).join() === [before[0] + 1, before[1] + 1].join(), 5000, "a log consumer and a verdict watcher");
  await waitUntil(async () => c.comments.length >= 2, 5000, "heartbeats");
  c.close();
  await waitUntil(async () => (await consumerCounts()).join() === before.join(), 5000, "consumers deleted");
});

test("log stream - a build cancelled before it started ends at once", async () => {
  const id = "blive00000000005";
  await publish(queued(undefined, id), cancelledEv(undefined, id));
  const c = await sse(`/builds/${id}/log/stream`);
  await c.ended;
  assert.equal(c.events.map((e) => e.event), ["verdict"]);
});

test("log stream - a client that stops reading pauses the pulling, then gets everything", async () => {
  const id = "blive00000000006";
  const line = "x".repeat(4000) + "\n";
  const total = 5000;
  await publish(queued(undefined, id), started(1, undefined, id));
  const c = await sse(`/builds/${id}/log/stream`);
  c.pause();
  const texts = Array.from({ length: total }, () => line);
  const seqs = await publish(...chunks(id, texts), pushed(1, undefined, id));
  const { jsm } = bus;
  const delivered = async () => {
    const list = await jsm.consumers.list(STREAM_LOGS).next();
    return Math.max(0, ...list.filter((i) => i.config.filter_subject === `ci.log.${id}`).map((i) => i.delivered.stream_seq));
  };
  // 20 MB published: a paused reader holds the socket buffers and the library's 100 messages, no more.
  await new Promise((r) => setTimeout(r, 500));
  const held = await delivered();
  assert.ok(held < seqs.at(-2)!, `the server pulled everything (${held}) for a client that reads nothing`);
  c.resume();
  await c.ended;
  assert.is(c.events.filter((e) => e.event === "log").length, total);
  assert.is(c.events.at(-1)!.event, "verdict");
});

test("events stream - without a position, only new events; a type filter passes only those types", async () => {
  const id = "blive00000000101";
  await publish(queued(undefined, id)); // before: not in the stream
  const c = await sse("/events/stream?type=BuildFailed,ImagePushed");
  const all = await sse("/events/stream");
  const seqs = await publish(started(1, undefined, id), ...chunks(id, ["x\n"]), failed(1, undefined, id), pushed(1, undefined, "blive00000000102"));
  const got = await c.waitFor(2);
  assert.equal(got.map((e) => [e.event, e.id]), [["BuildFailed", String(seqs[2])], ["ImagePushed", String(seqs[3])]]);
  assert.is(JSON.parse(got[0]!.data).data.buildId, id);
  const every = await all.waitFor(3);
  assert.equal(every.map((e) => e.event), ["BuildStarted", "BuildFailed", "ImagePushed"]);
  await new Promise((r) => setTimeout(r, 200));
  assert.is(c.events.length, 2);
});

test("events stream - Last-Event-ID or ?since= replays from there; repo, build and delivery filters", async () => {
  const { state } = need();
  const old = "blive00000000201";
  const fresh = "blive00000000202";
  // A build queued long ago: only the read model knows its repo.
  const [oldQueued] = await publish(queued(undefined, old, { repo: SHOP }));
  state.apply(queued(undefined, old, { repo: SHOP }), oldQueued!);
  const [mark] = await publish(ev("WebhookReceived", { deliveryId: "d-live", source: "push", repo: SHOP, ref: "refs/heads/main", branch: "main", requestedSha: "b".repeat(40), defaultBranch: "main", pusher: "x" }, "w-d-live", undefined, "d-live"));
  const seqs = await publish(started(1, undefined, old), queued(undefined, fresh, { repo: SHOP }), started(1, undefined, fresh), queued(undefined, "blive00000000203"));
  const byRepo = await sse(`/events/stream?since=${mark}&repo=acme/shop`);
  assert.equal((await byRepo.waitFor(3)).map((e) => [e.event, e.id]), [["BuildStarted", String(seqs[0])], ["BuildQueued", String(seqs[1])], ["BuildStarted", String(seqs[2])]]);
  // After its BuildQueued, unknown to this read model: the repo is read from the stream.
  const resumed = await sse(`/events/stream?since=0&repo=acme/shop`, { "last-event-id": String(seqs[1]) });
  assert.equal((await resumed.waitFor(1)).map((e) => e.id), [String(seqs[2])]);
  const byBuild = await sse(`/events/stream?since=0&build=${fresh}`);
  assert.equal((await byBuild.waitFor(2)).map((e) => e.event), ["BuildQueued", "BuildStarted"]);
  const byDelivery = await sse(`/events/stream?since=0&delivery=d-live`);
  assert.equal((await byDelivery.waitFor(1)).map((e) => e.id), [String(mark)]);
  await new Promise((r) => setTimeout(r, 200));
  assert.is(byRepo.events.length, 3);
  assert.is(byBuild.events.length, 2);
  assert.is(byDelivery.events.length, 1);
  const bad = await sse("/events/stream?type=Nope");
  assert.is(bad.status, 400);
});

test("events stream - leaving deletes the consumer", async () => {
  for (const c of need().open) c.close();
  await waitUntil(async () => (await consumerCounts()).join() === "0,0", 5000, "no consumer left from earlier tests");
  const c = await sse("/events/stream");
  await waitUntil(async () => (await consumerCounts()).join() === "0,1", 5000, "one consumer");
  c.close();
  await waitUntil(async () => (await consumerCounts()).join() === "0,0", 5000, "consumer deleted");
});

test("live - the API token covers the live routes; closing the server ends open streams", async () => {
  const { app, url } = await listen({ apiToken: "s3cret" });
  let closed = false;
  try {
    const refused = await sse("/events/stream", {}, url);
    assert.is(refused.status, 401);
    const c = await sse("/events/stream", { authorization: "Bearer s3cret" }, url);
    assert.is(c.status, 200);
    await waitUntil(async () => (await consumerCounts())[1] === 1, 5000, "its consumer");
    const began = Date.now();
    await app.close();
    closed = true;
    await c.ended;
    assert.ok(Date.now() - began < 3000, "close waited for the stream");
  } finally {
    if (!closed) await app.close();
  }
  await waitUntil(async () => (await consumerCounts())[1] === 0, 5000, "consumer deleted at close");
});

test.run();
