import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JetStreamClient } from "@nats-io/jetstream";
import { publishEvent, STREAM_EVENTS, STREAM_LOGS } from "@slipway/events";
import { freePort, startService, waitUntil, withJetStream, type RunningService } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";

/**
 * Two projectors with different names on one NATS (as replicas on two hosts would be): each has
 * its own durables, sees every event, and never moves the other's position.
 */

const SHA = "d".repeat(40);
const REPO = { key: "acme/shop", name: "shop", owner: "acme" };
const DELIVERY = "several-delivery-1";
const PUSHED = "bsev000000000001";
const FAILED = "bsev000000000002";
const LATE = "bsev000000000003";
const TOKEN = "replica-b-t0ken-0123456789";

type Projector = { name: string; env: Record<string, string>; url: string; dir: string; svc: RunningService | null; headers: Record<string, string> };
const bus = withJetStream(test);
type Ctx = { work: string; a: Projector; b: Projector };
let ctx: Ctx | null = null;
const need = (): Ctx => {
  if (!ctx) throw new Error("setup failed");
  return ctx;
};

async function projector(work: string, name: string, extra: Record<string, string>, headers: Record<string, string> = {}): Promise<Projector> {
  const dir = join(work, name);
  const port = await freePort();
  const env = { SLIPWAY_NATS_URL: bus.nats.url, SLIPWAY_PROJECTOR_NAME: name, SLIPWAY_PROJECTOR_PORT: String(port), SLIPWAY_PROJECTOR_DATA: join(dir, "state"), SLIPWAY_LOGS_DIR: join(dir, "logs"), ...extra };
  return { name, env, url: `http://127.0.0.1:${port}`, dir, svc: null, headers };
}

test.before(async () => {
  const work = await mkdtemp(join(tmpdir(), "projector-several-"));
  // A keeps the default name (an installation from before names) and no token: loopback only.
  const a = await projector(work, "projector", { SLIPWAY_API_TOKEN: "", SLIPWAY_PROJECTOR_HOST: "127.0.0.1" });
  // B has a token, so it listens on every address by default, and wants the token.
  const b = await projector(work, "replica-b", { SLIPWAY_API_TOKEN: TOKEN }, { authorization: `Bearer ${TOKEN}` });
  ctx = { work, a, b };
});

test.after(async () => {
  if (ctx) await rm(ctx.work, { recursive: true, force: true });
});

async function start(p: Projector): Promise<void> {
  p.svc = bus.own(await startService("projector", p.env));
}

async function get(p: Projector, path: string, headers = p.headers): Promise<{ status: number; body: any }> {
  const res = await fetch(p.url + path, { headers });
  return { status: res.status, body: await res.json() };
}

const statusOf = async (p: Projector, id: string) => {
  const res = await get(p, `/builds/${id}`);
  return res.status === 200 ? (res.body.status as string) : null;
};

const links = (id: string) => ({ id, correlationId: DELIVERY, causationId: null });

async function publishBuild(js: JetStreamClient, buildId: string, n: number): Promise<void> {
  await publishEvent(js, "BuildQueued", { buildId, deliveryId: DELIVERY, repo: REPO, sha: SHA, branch: "main", dockerfile: `Dockerfile_${n}`, image: `127.0.0.1:5500/shop_${n}`, tags: [SHA, String(n), "main"], buildNumber: n, contextObject: "ctx" }, links(`q-${buildId}`));
}

async function publishLog(js: JetStreamClient, buildId: string, attempt: number, lines: string[]): Promise<string> {
  let offset = 0;
  for (const [seq, text] of lines.entries()) {
    await publishEvent(js, "BuildLogChunk", { buildId, attempt, seq, offset, text }, links(`l-${buildId}-${attempt}-${seq}`));
    offset += Buffer.byteLength(text);
  }
  return lines.join("");
}

/** Names in a projector's logs folder. */
const logFiles = (p: Projector) => readdir(join(p.dir, "logs")).then((names) => names.sort());

test("several projectors - each sees every event through durables of its own", async () => {
  const { a, b } = need();
  const { js, jsm } = bus;
  await start(a);
  await start(b);
  await publishEvent(js, "WebhookReceived", { deliveryId: DELIVERY, source: "push", repo: REPO, ref: "refs/heads/main", branch: "main", requestedSha: SHA, defaultBranch: "main", pusher: "dev" }, links("w-1"));
  await publishBuild(js, PUSHED, 1);
  await publishBuild(js, FAILED, 2);
  await publishEvent(js, "BuildStarted", { buildId: PUSHED, builder: "int:1", attempt: 1 }, links("s-1"));
  const pushedLog = await publishLog(js, PUSHED, 1, ["Step 1/1 : FROM busybox\n", "done\n"]);
  await publishEvent(js, "ImagePushed", { buildId: PUSHED, image: "127.0.0.1:5500/shop_1", tags: [SHA, "1", "main"], digest: "sha256:" + "e".repeat(64), attempt: 1 }, links("p-1"));
  // A second attempt restarts its log: the writer's bookkeeping must not land in logs/.
  await publishEvent(js, "BuildStarted", { buildId: FAILED, builder: "int:1", attempt: 1 }, links("s-2-1"));
  await publishLog(js, FAILED, 1, ["attempt one, cut off\n"]);
  await publishEvent(js, "BuildStarted", { buildId: FAILED, builder: "int:2", attempt: 2 }, links("s-2-2"));
  const failedLog = await publishLog(js, FAILED, 2, ["attempt two\n", "boom\n"]);
  await publishEvent(js, "BuildFailed", { buildId: FAILED, stage: "build", code: "DOCKER_BUILD_FAILED", message: "boom", attempt: 2 }, links("f-2"));

  for (const p of [a, b]) {
    await waitUntil(async () => (await statusOf(p, PUSHED)) === "succeeded" && (await statusOf(p, FAILED)) === "failed", 15_000, `${p.name}: both builds in the view`);
    const logOf = async (id: string) => (await fetch(`${p.url}/builds/${id}/log`, { headers: p.headers })).text();
    await waitUntil(async () => (await logOf(PUSHED)) === pushedLog && (await logOf(FAILED)) === failedLog, 15_000, `${p.name}: logs complete`);
  }

  const eventsLast = (await jsm.streams.info(STREAM_EVENTS)).state.last_seq;
  const logsLast = (await jsm.streams.info(STREAM_LOGS)).state.last_seq;
  for (const [stream, durable, last] of [
    [STREAM_EVENTS, "projector", eventsLast],
    [STREAM_EVENTS, "replica-b", eventsLast],
    [STREAM_LOGS, "projector-logs", logsLast],
    [STREAM_LOGS, "replica-b-logs", logsLast],
  ] as const) {
    await waitUntil(async () => (await jsm.consumers.info(stream, durable)).ack_floor.stream_seq === last, 15_000, `${durable} acked all of ${stream}`);
    const info = await jsm.consumers.info(stream, durable);
    assert.is(info.delivered.stream_seq, last, `${durable} delivered position`);
    assert.is(info.num_pending, 0, `${durable} pending`);
  }
});

test("several projectors - logs/ holds only <buildId>.log; the bookkeeping is in each state folder", async () => {
  const { a, b } = need();
  for (const p of [a, b]) {
    assert.equal(await logFiles(p), [`${PUSHED}.log`, `${FAILED}.log`].sort(), p.name);
    assert.ok((await readdir(join(p.dir, "state", "log-attempts"))).includes(`${FAILED}.attempt`), `${p.name}: attempt kept in the state folder`);
  }
});

test("several projectors - a stopped projector keeps its position while the other moves on", async () => {
  const { a, b } = need();
  const { js, jsm } = bus;
  assert.is(await a.svc?.stop(), 0);
  a.svc = null;
  const before = (await jsm.consumers.info(STREAM_EVENTS, "projector")).delivered.stream_seq;
  await publishBuild(js, LATE, 3);
  await waitUntil(async () => (await statusOf(b, LATE)) === "queued", 15_000, "replica-b sees the new build");
  const last = (await jsm.streams.info(STREAM_EVENTS)).state.last_seq;
  await waitUntil(async () => (await jsm.consumers.info(STREAM_EVENTS, "replica-b")).ack_floor.stream_seq === last, 15_000, "replica-b acked it");
  assert.is((await jsm.consumers.info(STREAM_EVENTS, "projector")).delivered.stream_seq, before, "the stopped projector's durable did not move");
  await start(a);
  await waitUntil(async () => (await statusOf(a, LATE)) === "queued", 15_000, "projector catches up after its restart");
  assert.is((await get(a, "/builds")).body.builds.length, 3);
});

test("several projectors - with a token every route but /healthz wants it; /readyz names the durables", async () => {
  const { a, b } = need();
  const refused = await get(b, "/builds", {});
  assert.is(refused.status, 401);
  assert.equal(refused.body.error.code, "UNAUTHORIZED");
  assert.is((await get(b, `/builds/${PUSHED}/log`, { authorization: "Bearer wrong" })).status, 401);
  assert.is((await get(b, "/readyz", {})).status, 401);
  assert.is((await get(b, "/healthz", {})).status, 200);
  assert.is((await get(b, "/builds")).status, 200);
  assert.match(b.svc?.output() ?? "", /every route but \/healthz requires Authorization: Bearer/);
  assert.not.ok((b.svc?.output() ?? "").includes(TOKEN), "the token is never logged");
  assert.match(a.svc?.output() ?? "", /API on 127\.0\.0\.1:\d+ only, without a token/);

  for (const p of [a, b]) {
    await waitUntil(async () => (await get(p, "/readyz")).status === 200, 15_000, `${p.name} ready`);
    const { body } = await get(p, "/readyz");
    assert.is(body.status, "ready");
    assert.is(body.lag.events.durable, p.name);
    assert.is(body.lag.logs.durable, `${p.name}-logs`);
    assert.is(body.lag.events.behind, 0);
    assert.is(body.lag.events.checkpoint, body.lag.events.lastSeq);
  }
});

test.run();
