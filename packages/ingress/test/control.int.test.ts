import {
  decodeEvent,
  eventIds,
  publishEvent,
  STREAM_EVENTS,
  subjects,
  type Event,
  type EventType,
} from "@slipway/events";
import { freePort, queuedBuild, startService, withJetStream, type RunningService } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";

const TOKEN = "int-token-5d41402abc4b2a76b9719d911017c592";
const SHA = "d".repeat(40);

const bus = withJetStream(test);
type Ctx = { url: string; svc: RunningService };
let ctx: Ctx | null = null;

function need(): Ctx {
  if (!ctx) throw new Error("setup failed");
  return ctx;
}

test.before(async () => {
  const port = await freePort();
  const svc = bus.own(
    await startService("ingress", {
      SLIPWAY_NATS_URL: bus.nats.url,
      SLIPWAY_INGRESS_HOST: "127.0.0.1",
      SLIPWAY_INGRESS_PORT: String(port),
      SLIPWAY_API_TOKEN: TOKEN,
      SLIPWAY_ALLOWED_REPOS: "acme/*",
      SLIPWAY_LOG_LEVEL: "debug",
    }),
  );
  ctx = { url: `http://127.0.0.1:${port}`, svc };
});

async function post(path: string, body?: unknown, token = TOKEN): Promise<{ status: number; body: any }> {
  const res = await fetch(need().url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "x-slipway-user": "int-test", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/** The newest stored event on a subject, decoded, or null. */
async function stored(subject: string): Promise<Event | null> {
  const msg = await bus.jsm.streams.getMessage(STREAM_EVENTS, { last_by_subj: subject });
  return msg ? decodeEvent(msg.data) : null;
}

function expectType<T extends EventType>(event: Event | null, type: T): Event<T> {
  assert.ok(event, `a ${type} is stored`);
  assert.is(event.type, type);
  return event as Event<T>;
}

/** A BuildQueued as git-sync would store it. */
async function publishQueued(buildId: string): Promise<Event<"BuildQueued">> {
  const data = queuedBuild(buildId, { repo: { key: "acme/shop", name: "shop", owner: "acme" }, sha: SHA, branch: "main", image: "127.0.0.1:5500/shop", tags: [SHA, "3", "main"], buildNumber: 3, contextObject: `test/${buildId}.tar` });
  const { event } = await publishEvent(bus.js, "BuildQueued", data, { id: eventIds.buildQueued(buildId), correlationId: data.deliveryId, causationId: null });
  return event;
}

test("control api - POST /builds stores a manual WebhookReceived; a wrong token stores nothing", async () => {
  const refused = await post("/builds", { repo: "acme/shop", ref: "main" }, "not-the-token");
  assert.is(refused.status, 401);
  assert.is(await stored(subjects.webhookReceived("acme/shop")), null);
  assert.is((await post("/builds", { repo: "evil/x", ref: "main" })).status, 403);

  const res = await post("/builds", { repo: "acme/shop", ref: "feature/a", sha: SHA });
  assert.is(res.status, 202);
  const event = expectType(await stored(subjects.webhookReceived("acme/shop")), "WebhookReceived");
  assert.is(event.id, eventIds.webhookReceived(res.body.deliveryId));
  assert.is(event.correlationId, res.body.deliveryId);
  assert.equal(event.data, {
    deliveryId: res.body.deliveryId,
    source: "manual",
    repo: { key: "acme/shop", name: "shop", owner: "acme" },
    ref: "refs/heads/feature/a",
    branch: "feature/a",
    requestedSha: SHA,
    defaultBranch: null,
    pusher: "int-test",
  });
});

test("control api - cancel of a queued build stores BuildCancelRequested; after its verdict, 409", async () => {
  const buildId = "bintcancel000001";
  const queued = await publishQueued(buildId);
  assert.is((await post("/builds/bintnothere00001/cancel")).status, 404);

  const res = await post(`/builds/${buildId}/cancel`, { reason: "not this one" });
  assert.is(res.status, 202, JSON.stringify(res.body));
  const event = expectType(await stored(subjects.build(buildId, "cancelrequested")), "BuildCancelRequested");
  assert.equal(event.data, { buildId, requestedBy: "int-test", reason: "not this one" });
  assert.is(event.id, eventIds.cancelRequested(buildId, res.body.requestId));
  assert.is(event.correlationId, queued.correlationId);
  assert.is(event.causationId, queued.id);

  // What the builder answers with; then there is nothing left to cancel.
  await publishEvent(bus.js, "BuildCancelled", { buildId, reason: "not this one", requestedBy: "int-test", attempt: 0 }, { id: eventIds.verdict(buildId), correlationId: queued.correlationId, causationId: event.id });
  const late = await post(`/builds/${buildId}/cancel`);
  assert.is(late.status, 409);
  assert.is(late.body.code, "BUILD_FINISHED");
  assert.match(late.body.message, /already cancelled/);
});

test("control api - retry of a failed build queues a new build with retryOf; a running one is 409", async () => {
  const buildId = "bintretry0000001";
  const queued = await publishQueued(buildId);
  const running = await post(`/builds/${buildId}/retry`);
  assert.is(running.status, 409);
  assert.is(running.body.code, "BUILD_RUNNING");

  await publishEvent(bus.js, "BuildFailed", { buildId, stage: "build", code: "DOCKER_BUILD_FAILED", message: "returned a non-zero code: 1", attempt: 1 }, { id: eventIds.verdict(buildId), correlationId: queued.correlationId, causationId: queued.id });
  const res = await post(`/builds/${buildId}/retry`);
  assert.is(res.status, 202, JSON.stringify(res.body));
  const newId: string = res.body.buildId;
  assert.match(newId, /^r[0-9a-f]{15}$/);
  const event = expectType(await stored(subjects.build(newId, "queued")), "BuildQueued");
  assert.equal(event.data, { ...queued.data, buildId: newId, retryOf: buildId, requestedBy: "int-test" });
  assert.is(event.id, eventIds.buildQueued(newId));
  assert.is(event.correlationId, queued.correlationId);
  assert.is(event.causationId, queued.id);
  assert.is(expectType(await stored(subjects.build(buildId, "queued")), "BuildQueued").id, queued.id, "the old build is untouched");
});

test("control api - the token never reaches the service's log", () => {
  const output = need().svc.output();
  assert.match(output, /build requested/, "the service logged the requests");
  assert.not.ok(output.includes(TOKEN), "no token in the log");
  assert.not.ok(output.includes("not-the-token"), "no wrong token in the log");
});

test.run();
