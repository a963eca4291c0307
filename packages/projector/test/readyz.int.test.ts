import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishEvent, STREAM_EVENTS, STREAM_LOGS } from "@slipway/events";
import { freePort, startService, waitUntil, withJetStream, type RunningService } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";

/** `GET /readyz` against a real NATS: the lag it reports, and its answer when NATS is gone. */

const SHA = "f".repeat(40);
const REPO = { key: "acme/shop", name: "shop", owner: "acme" };
const BUILDS = 30;

const bus = withJetStream(test);
type Ctx = { dir: string; env: Record<string, string>; url: string; svc: RunningService | null };
let ctx: Ctx | null = null;
const need = (): Ctx => {
  if (!ctx) throw new Error("setup failed");
  return ctx;
};

test.before(async () => {
  const dir = await mkdtemp(join(tmpdir(), "projector-readyz-"));
  const port = await freePort();
  const env = {
    SLIPWAY_NATS_URL: bus.nats.url,
    SLIPWAY_API_TOKEN: "",
    SLIPWAY_PROJECTOR_HOST: "127.0.0.1",
    SLIPWAY_PROJECTOR_PORT: String(port),
    SLIPWAY_PROJECTOR_DATA: join(dir, "data"),
    SLIPWAY_LOGS_DIR: join(dir, "logs"),
    SLIPWAY_PROJECTOR_READY_MAX_LAG: "5",
  };
  ctx = { dir, env, url: `http://127.0.0.1:${port}`, svc: null };
  // Killed, not stopped: by the last test NATS is gone, and a graceful stop would wait for it.
  bus.own({
    stop: async () => {
      if (!ctx?.svc) return;
      process.kill(ctx.svc.pid, "SIGKILL");
      await ctx.svc.exited;
    },
  });
  // Stored before the projector starts: it has all of them to catch up on.
  for (let i = 1; i <= BUILDS; i++) {
    const buildId = `bready${String(i).padStart(10, "0")}`;
    await publishEvent(bus.js, "BuildQueued", { buildId, deliveryId: "ready-delivery", repo: REPO, sha: SHA, branch: "main", dockerfile: "Dockerfile", image: "127.0.0.1:5500/shop", tags: [SHA], buildNumber: i, contextObject: "ctx" }, { id: `q-${buildId}`, correlationId: "ready-delivery", causationId: null });
    await publishEvent(bus.js, "BuildLogChunk", { buildId, attempt: 1, seq: 0, offset: 0, text: "line\n" }, { id: `l-${buildId}`, correlationId: "ready-delivery", causationId: null });
  }
});

test.after(async () => {
  if (ctx) await rm(ctx.dir, { recursive: true, force: true });
});

async function readyz(): Promise<{ status: number; retryAfter: string | null; body: any }> {
  const res = await fetch(`${need().url}/readyz`);
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.json() };
}

test("readyz - 503 with the lag while events wait for their save", async () => {
  const c = need();
  // Saves held back for a minute: every applied event stays unacked, more than the 5 allowed.
  c.svc = await startService("projector", { ...c.env, SLIPWAY_PROJECTOR_FLUSH_MS: "60000", SLIPWAY_PROJECTOR_FLUSH_MAX: "9000" });
  await waitUntil(async () => (await readyz()).body.lag?.events.ackPending === BUILDS, 15_000, "every event delivered, none acked");
  const { status, retryAfter, body } = await readyz();
  assert.is(status, 503);
  assert.is(retryAfter, "5");
  assert.is(body.status, "lagging");
  assert.is(body.maxLag, 5);
  assert.equal(body.lag.events, { durable: "projector", stream: STREAM_EVENTS, pending: 0, ackPending: BUILDS, lastSeq: BUILDS, checkpoint: BUILDS, behind: 0 });
  assert.is(body.lag.logs.durable, "projector-logs");
  assert.is(body.lag.logs.stream, STREAM_LOGS);
  assert.is(body.lag.logs.lastSeq, BUILDS);
  assert.is(await c.svc.stop(), 0, "a graceful stop saves and acks");
  c.svc = null;
});

test("readyz - 200 once caught up, with the stream's last sequence and the checkpoint", async () => {
  const c = need();
  c.svc = await startService("projector", c.env);
  await waitUntil(async () => (await readyz()).status === 200, 15_000, "ready");
  const { body, retryAfter } = await readyz();
  assert.is(retryAfter, null);
  assert.is(body.status, "ready");
  assert.equal(body.lag.events, { durable: "projector", stream: STREAM_EVENTS, pending: 0, ackPending: 0, lastSeq: BUILDS, checkpoint: BUILDS, behind: 0 });
  // A chunk the stopped projector had pulled but not yet received comes back only after the logs
  // durable's ack wait (30 s): the server counts it delivered. Rare, and nothing is lost.
  await waitUntil(async () => (await readyz()).body.lag.logs.checkpoint === BUILDS, 45_000, "log chunks acked");
  assert.equal((await readyz()).body.lag.logs, { durable: "projector-logs", stream: STREAM_LOGS, pending: 0, ackPending: 0, lastSeq: BUILDS, checkpoint: BUILDS, behind: 0 });
});

test("readyz - 503 unavailable when NATS does not answer; /healthz still answers", async () => {
  const c = need();
  await bus.nats.stop();
  await waitUntil(async () => (await readyz()).status === 503, 15_000, "not ready without NATS");
  const { body, retryAfter } = await readyz();
  assert.is(body.status, "unavailable");
  assert.type(body.message, "string");
  assert.is(retryAfter, "5");
  assert.is((await fetch(`${c.url}/healthz`)).status, 200);
});

test.run();
