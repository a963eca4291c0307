import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JetStreamClient } from "@nats-io/jetstream";
import { encodeEvent, publishEvent, STREAM_EVENTS } from "@slipway/events";
import { freePort, startService, waitUntil, withJetStream, type RunningService } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";

const SHA = "c".repeat(40);
const DIGEST = "sha256:" + "e".repeat(64);
const REPO = { key: "acme/shop", name: "shop", owner: "acme" };
const DELIVERY = "int-delivery-1";
const BUILD = "bint000000000001";
const LATE_BUILD = "bint000000000002";
const CRASH_BUILD = "bint000000000003";
const LOG_LINES = ["Step 1/2 : FROM busybox\n", "Step 2/2 : RUN echo héllo\n", "héllo\n", "Successfully built 1234\n"];

const bus = withJetStream(test);
type Ctx = { dir: string; env: Record<string, string>; url: string; svc: RunningService | null };
let ctx: Ctx | null = null;

function need(): Ctx {
  if (!ctx) throw new Error("setup failed");
  return ctx;
}

test.before(async () => {
  const dir = await mkdtemp(join(tmpdir(), "projector-int-"));
  const port = await freePort();
  const env = {
    SLIPWAY_NATS_URL: bus.nats.url,
    SLIPWAY_PROJECTOR_HOST: "127.0.0.1",
    SLIPWAY_PROJECTOR_PORT: String(port),
    SLIPWAY_PROJECTOR_DATA: join(dir, "data"),
    SLIPWAY_LOGS_DIR: join(dir, "logs"),
  };
  ctx = { dir, env, url: `http://127.0.0.1:${port}`, svc: null };
});

test.after(async () => {
  if (ctx) await rm(ctx.dir, { recursive: true, force: true });
});

async function start(extraEnv: Record<string, string> = {}): Promise<RunningService> {
  const c = need();
  c.svc = bus.own(await startService("projector", { ...c.env, ...extraEnv }));
  return c.svc;
}

async function stop(): Promise<void> {
  const c = need();
  const code = await c.svc?.stop();
  c.svc = null;
  assert.is(code, 0, "graceful stop exits 0");
}

async function getJson(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(need().url + path);
  return { status: res.status, body: await res.json() };
}

async function buildStatus(id: string): Promise<string | null> {
  const res = await getJson(`/builds/${id}`);
  return res.status === 200 ? res.body.status : null;
}

const links = (id: string, delivery = DELIVERY) => ({ id, correlationId: delivery, causationId: null });

async function publishBuild(js: JetStreamClient, buildId: string, number: number): Promise<void> {
  await publishEvent(js, "BuildQueued", { buildId, deliveryId: DELIVERY, repo: REPO, sha: SHA, branch: "main", dockerfile: `Dockerfile_${number}`, image: `127.0.0.1:5500/shop_${number}`, tags: [SHA, String(number), "main"], buildNumber: number, contextObject: "ctx" }, links(`q-${buildId}`));
}

test("projector - projects a build from events, and writes its log", async () => {
  const { env } = need();
  const { js } = bus;
  await start();
  await publishEvent(js, "WebhookReceived", { deliveryId: DELIVERY, source: "push", repo: REPO, ref: "refs/heads/main", branch: "main", requestedSha: SHA, defaultBranch: "main", pusher: "dev" }, links("w-1"));
  await publishBuild(js, BUILD, 1);
  const startedEv = await publishEvent(js, "BuildStarted", { buildId: BUILD, builder: "int:1", attempt: 1 }, links("s-1"));
  let offset = 0;
  for (const [i, text] of LOG_LINES.entries()) {
    await publishEvent(js, "BuildLogChunk", { buildId: BUILD, attempt: 1, seq: i, offset, text }, links(`l-${i}`));
    offset += Buffer.byteLength(text);
  }
  // A redelivered log chunk (new message, same content) must not duplicate text in the file.
  await publishEvent(js, "BuildLogChunk", { buildId: BUILD, attempt: 1, seq: 1, offset: Buffer.byteLength(LOG_LINES[0] ?? ""), text: LOG_LINES[1] ?? "" }, links("l-1-again"));
  await publishEvent(js, "ImageBuilt", { buildId: BUILD, imageId: "sha256:1234", attempt: 1 }, links("i-1"));
  // The same event stored twice in the stream (a producer retry outside the duplicate window).
  await js.publish(`ci.build.${BUILD}.started`, encodeEvent(startedEv.event));
  await publishEvent(js, "ImagePushed", { buildId: BUILD, image: "127.0.0.1:5500/shop_1", tags: [SHA, "1", "main"], digest: DIGEST, attempt: 1 }, links("p-1"));

  await waitUntil(async () => (await buildStatus(BUILD)) === "succeeded", 15_000, "build succeeded in the view");
  const list = await getJson("/builds");
  assert.is(list.status, 200);
  assert.is(list.body.builds.length, 1);
  assert.is(list.body.builds[0].events, undefined);
  const view = (await getJson(`/builds/${BUILD}`)).body;
  assert.is(view.repo, REPO.key);
  assert.is(view.digest, DIGEST);
  assert.is(view.imageId, "sha256:1234");
  assert.is(view.attempts, 1);
  assert.equal(
    view.events.map((e: { type: string }) => e.type),
    ["BuildQueued", "BuildStarted", "ImageBuilt", "ImagePushed"],
  );

  const expectedLog = LOG_LINES.join("");
  await waitUntil(async () => (await readFile(join(env.SLIPWAY_LOGS_DIR ?? "", `${BUILD}.log`), "utf8").catch(() => "")) === expectedLog, 15_000, "log file written");
  const logRes = await fetch(`${need().url}/builds/${BUILD}/log`);
  assert.is(logRes.status, 200);
  assert.is(await logRes.text(), expectedLog);
  assert.is((await getJson("/builds/bnope/log")).status, 404);
  assert.is((await getJson("/builds/bnope")).body.error.code, "BUILD_NOT_FOUND");
});

test("projector - a restart keeps the view, applies nothing twice, and catches up", async () => {
  const { js } = bus;
  const before = (await getJson(`/builds/${BUILD}`)).body;
  await stop();
  // Published while the projector is down.
  await publishBuild(js, LATE_BUILD, 2);
  await publishEvent(js, "BuildFailed", { buildId: LATE_BUILD, stage: "build", code: "DOCKER_BUILD_FAILED", message: "boom", attempt: 0 }, links("f-2"));
  await start();
  await waitUntil(async () => (await buildStatus(LATE_BUILD)) === "failed", 15_000, "late build projected");
  const after = (await getJson(`/builds/${BUILD}`)).body;
  assert.equal(after, before, "first build unchanged after restart");
  const list = (await getJson("/builds")).body.builds.map((b: { id: string }) => b.id);
  assert.equal(list, [LATE_BUILD, BUILD], "newest first");
  // The indexes, rebuilt from the saved model and then following the late events: pages, filters, a delivery, repos.
  const ids = (body: { builds: { id: string }[] }) => body.builds.map((b) => b.id);
  const first = (await getJson("/builds?limit=1")).body;
  assert.equal(ids(first), [LATE_BUILD]);
  const second = (await getJson(`/builds?limit=1&cursor=${first.nextCursor}`)).body;
  assert.equal([ids(second), second.nextCursor], [[BUILD], null]);
  assert.equal(ids((await getJson("/builds?repo=acme%2Fshop&status=failed")).body), [LATE_BUILD]);
  const delivery = (await getJson(`/deliveries/${DELIVERY}`)).body;
  assert.equal([delivery.status, ids(delivery), delivery.nothingRan], ["received", [LATE_BUILD, BUILD], null]);
  const repos = (await getJson("/repos")).body.repos.map((r: { repo: string; dockerfiles: { dockerfile: string; lastBuild: { id: string } }[] }) => [r.repo, r.dockerfiles.map((d) => [d.dockerfile, d.lastBuild.id])]);
  assert.equal(repos, [[REPO.key, [["Dockerfile_1", BUILD], ["Dockerfile_2", LATE_BUILD]]]]);
  const lastSeq = (await bus.jsm.streams.info(STREAM_EVENTS)).state.last_seq;
  await waitUntil(async () => (await getJson("/healthz")).body.checkpoint === lastSeq, 15_000, "checkpoint at the end of the stream");
});

test("projector - after a crash, events applied but not yet saved are applied again, once", async () => {
  const { js } = bus;
  await stop();
  // Saves only every minute: whatever it applies now exists in memory only.
  const svc = await start({ SLIPWAY_PROJECTOR_FLUSH_MS: "60000", SLIPWAY_PROJECTOR_FLUSH_MAX: "9000" });
  await publishBuild(js, CRASH_BUILD, 3);
  await publishEvent(js, "BuildStarted", { buildId: CRASH_BUILD, builder: "int:1", attempt: 1 }, links("s-3"));
  await waitUntil(async () => (await buildStatus(CRASH_BUILD)) === "running", 15_000, "crash build applied in memory");
  process.kill(svc.pid, "SIGKILL");
  await svc.exited;
  need().svc = null;
  await start();
  // Without repositioning, the unacked messages would only return after the 30 s ack wait.
  await waitUntil(async () => (await buildStatus(CRASH_BUILD)) === "running", 10_000, "crash build back after restart");
  const view = (await getJson(`/builds/${CRASH_BUILD}`)).body;
  assert.equal(view.events.map((e: { type: string }) => e.type), ["BuildQueued", "BuildStarted"]);
  assert.is((await getJson(`/builds/${BUILD}`)).body.events.length, 4);
});

test("projector - an ignored push shows in GET /deliveries with its reason", async () => {
  const { js } = bus;
  if (!need().svc) await start();
  const deliveryId = "int-delivery-ignored";
  const message = "the head commit's message says [skip ci]: not built";
  // Published as ingress does, on ci.webhook.ignored.<repo>: the projector's durable must see it.
  const { ack } = await publishEvent(
    js,
    "WebhookIgnored",
    { deliveryId, source: "push", repo: REPO, ref: "refs/heads/main", branch: "main", requestedSha: SHA, pusher: "dev", reason: "skip-ci", message },
    links("wi-1", deliveryId),
  );
  assert.is(ack.stream, STREAM_EVENTS);
  const ignored = async () => (await getJson("/deliveries?status=ignored")).body.deliveries.find((d: { deliveryId: string }) => d.deliveryId === deliveryId);
  await waitUntil(async () => (await ignored()) !== undefined, 15_000, "ignored delivery in the view");
  const { receivedAt, updatedAt, events, ...view } = await ignored();
  assert.equal(events.map((e: { seq: number; type: string }) => [e.seq, e.type]), [[ack.seq, "WebhookIgnored"]]);
  assert.equal(view, {
    deliveryId,
    status: "ignored",
    repo: REPO.key,
    repoName: REPO.name,
    ref: "refs/heads/main",
    branch: "main",
    requestedSha: SHA,
    sha: null,
    pusher: "dev",
    buildNumber: null,
    dockerfiles: [],
    error: null,
    ignored: { reason: "skip-ci", message },
  });
  assert.type(receivedAt, "string");
  assert.is(updatedAt, receivedAt);
  // The first test's received delivery is still listed, not ignored.
  const all = (await getJson("/deliveries")).body.deliveries;
  assert.ok(all.some((x: { deliveryId: string; status: string }) => x.deliveryId === DELIVERY && x.status !== "ignored"));
});

test.run();
