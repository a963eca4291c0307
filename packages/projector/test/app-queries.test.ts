import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event } from "@slipway/events";
import { buildApp } from "../src/app.js";
import { ProjectionState } from "../src/projection-state.js";
import { built, DELIVERY, DIGEST, ev, ignoredWebhook, pushed, queued, REPO, repoUpdated, SHA, started, syncFailed, t, webhook } from "./fixtures.js";

const A = "b0000000000000a1";
const B = "b0000000000000b1";
const C = "b0000000000000c1";
const OTHER = { key: "acme/api", name: "api", owner: "acme" };
const OTHER_SHA = "b".repeat(40);

/** Delivery-1 built A (Dockerfile, succeeded) and B (Dockerfile_test); acme/api's C came later. */
function fixtureEvents(): Event[] {
  return [
    webhook(),
    repoUpdated(),
    queued(t(10), A),
    queued(t(11), B, { dockerfile: "Dockerfile_test", image: "127.0.0.1:5500/docker-ci_test" }),
    queued(t(20), C, { deliveryId: "delivery-api", repo: OTHER, sha: OTHER_SHA, branch: "dev", image: "127.0.0.1:5500/api" }),
    started(1, t(12), A),
    pushed(1, t(15), A),
  ];
}

function appOf(events: Event[]) {
  const state = ProjectionState.empty(null);
  events.forEach((e, i) => state.apply(e, i + 1));
  return buildApp({ readModel: state, logsDir: "/nonexistent" });
}

async function get(url: string, events = fixtureEvents()) {
  const res = await appOf(events).inject({ method: "GET", url });
  return { status: res.statusCode, body: res.json() };
}

const ids = (body: { builds: { id: string }[] }) => body.builds.map((b) => b.id);

test("queries - GET /builds pages with nextCursor until null", async () => {
  const a = appOf(fixtureEvents());
  const first = (await a.inject({ method: "GET", url: "/builds?limit=2" })).json();
  assert.equal(ids(first), [C, B]);
  assert.type(first.nextCursor, "string");
  const second = (await a.inject({ method: "GET", url: `/builds?limit=2&cursor=${first.nextCursor}` })).json();
  assert.equal([ids(second), second.nextCursor], [[A], null]);
  assert.equal((await get("/builds")).body.nextCursor, null, "one page: no cursor");
});

const filtered: [string, string[]][] = [
  ["branch=dev", [C]],
  [`sha=${SHA}`, [B, A]],
  ["delivery=delivery-api", [C]],
  ["image=127.0.0.1%3A5500%2Fdocker-ci_test", [B]],
  ["repo=fruty%2Fdocker-ci&status=succeeded", [A]],
  ["repo=fruty%2Fdocker-ci&status=queued&branch=main", [B]],
  ["repo=acme%2Fapi&branch=main", []],
  ["sha=" + "0".repeat(40), []],
];
for (const [query, expected] of filtered) {
  test(`queries - GET /builds?${query}`, async () => {
    const res = await get(`/builds?${query}`);
    assert.is(res.status, 200);
    assert.equal(ids(res.body), expected);
  });
}

for (const [query, message] of [
  ["stauts=failed", /unknown query parameter "stauts"/],
  ["asOf=last+week", /asOf must be a stream sequence/],
  ["cursor=nope!", /cursor is not one this API gave out/],
  ["image=", /image must not be empty/],
] as const) {
  test(`queries - GET /builds?${query} is a 400 that says why`, async () => {
    const res = await get(`/builds?${query}`);
    assert.is(res.status, 400);
    assert.is(res.body.error.code, "BAD_REQUEST");
    assert.match(res.body.error.message, message);
  });
}

test("queries - GET /deliveries pages too", async () => {
  const events = [...fixtureEvents(), ignoredWebhook(t(30), { deliveryId: "delivery-2" })];
  const a = appOf(events);
  const first = (await a.inject({ method: "GET", url: "/deliveries?limit=1" })).json();
  assert.equal(first.deliveries.map((d: { deliveryId: string }) => d.deliveryId), ["delivery-2"]);
  const second = (await a.inject({ method: "GET", url: `/deliveries?limit=1&cursor=${first.nextCursor}` })).json();
  assert.equal([second.deliveries.map((d: { deliveryId: string }) => d.deliveryId), second.nextCursor], [[DELIVERY], null]);
  assert.is((await a.inject({ method: "GET", url: "/deliveries?sha=x" })).statusCode, 400);
});

test("queries - GET /deliveries/:id gives the delivery with its builds", async () => {
  const res = await get(`/deliveries/${DELIVERY}`);
  assert.is(res.status, 200);
  assert.is(res.body.deliveryId, DELIVERY);
  assert.is(res.body.status, "synced");
  assert.equal(ids(res.body), [B, A]);
  assert.is(res.body.builds[0].events, undefined, "summaries, without events");
  assert.is(res.body.buildsNextCursor, null);
  assert.is(res.body.nothingRan, null);
});

const nothingRan: [string, Event[], string, RegExp][] = [
  ["an ignored push", [ignoredWebhook()], "ignored", /\[skip ci\]/],
  ["a failed sync", [webhook(), syncFailed()], "sync_failed", /^GIT_FETCH_FAILED: repository not found$/],
  ["a commit without Dockerfile", [webhook(), ev("RepoUpdated", { ...repoUpdated().data, dockerfiles: [] }, "r-none", t(-1))], "no_dockerfile", new RegExp(`no Dockerfile in the root of ${REPO.key} at ${SHA}`)],
  ["a push not synced yet", [webhook()], "waiting", /git-sync has not reported/],
  ["a sync whose builds are not queued yet", [webhook(), repoUpdated()], "waiting", /builds of Dockerfile not queued yet/],
];
for (const [name, events, reason, message] of nothingRan) {
  test(`queries - GET /deliveries/:id of ${name} says why nothing ran`, async () => {
    const res = await get(`/deliveries/${DELIVERY}`, events);
    assert.is(res.status, 200);
    assert.equal(res.body.builds, []);
    assert.is(res.body.nothingRan.reason, reason);
    assert.match(res.body.nothingRan.message, message);
  });
}

test("queries - GET /deliveries/:id of an unknown delivery is a 404 DELIVERY_NOT_FOUND", async () => {
  const res = await get("/deliveries/nope");
  assert.is(res.status, 404);
  assert.equal(res.body.error, { code: "DELIVERY_NOT_FOUND", message: 'no delivery "nope"' });
});

test("queries - GET /repos gives the last build of each repo's Dockerfiles", async () => {
  const res = await get("/repos");
  assert.is(res.status, 200);
  const last = (id: string, status: string, sha: string, branch: string, image: string, queuedAt: Date, run: [Date, Date] | null) => ({
    id,
    status,
    sha,
    branch,
    buildNumber: 7,
    image,
    queuedAt: queuedAt.toISOString(),
    startedAt: run ? run[0].toISOString() : null,
    finishedAt: run ? run[1].toISOString() : null,
    durationMs: run ? run[1].getTime() - run[0].getTime() : null,
  });
  assert.equal(res.body, {
    repos: [
      { repo: OTHER.key, repoName: OTHER.name, dockerfiles: [{ dockerfile: "Dockerfile", lastBuild: last(C, "queued", OTHER_SHA, "dev", "127.0.0.1:5500/api", t(20), null) }] },
      {
        repo: REPO.key,
        repoName: REPO.name,
        dockerfiles: [
          { dockerfile: "Dockerfile", lastBuild: last(A, "succeeded", SHA, "main", "127.0.0.1:5500/docker-ci", t(10), [t(12), t(15)]) },
          { dockerfile: "Dockerfile_test", lastBuild: last(B, "queued", SHA, "main", "127.0.0.1:5500/docker-ci_test", t(11), null) },
        ],
      },
    ],
  });
  assert.equal((await get("/repos?repo=acme%2Fapi")).body.repos.map((r: { repo: string }) => r.repo), [OTHER.key]);
  assert.equal((await get("/repos?repo=none")).body, { repos: [] });
  assert.is((await get("/repos?limit=5")).status, 400);
});

test("asOf - lists, records and repos as they were after a sequence, with that sequence in a header", async () => {
  const a = appOf(fixtureEvents());
  // Sequence 4: A and B queued, C not yet, nothing started.
  const list = await a.inject({ method: "GET", url: "/builds?asOf=4" });
  assert.is(list.headers["slipway-as-of-seq"], "4");
  assert.equal(ids(list.json()), [B, A]);
  assert.equal(list.json().builds.map((b: { status: string }) => b.status), ["queued", "queued"]);
  assert.equal(ids((await a.inject({ method: "GET", url: "/builds?asOf=6&status=running" })).json()), [A]);
  const then = await a.inject({ method: "GET", url: `/builds/${A}?asOf=6` });
  assert.equal([then.statusCode, then.json().status, then.json().events.length], [200, "running", 2]);
  const before = await a.inject({ method: "GET", url: `/builds/${C}?asOf=4` });
  assert.equal([before.statusCode, before.json().error.code], [404, "BUILD_NOT_FOUND"]);
  assert.is((await a.inject({ method: "GET", url: `/builds/${A}` })).json().status, "succeeded", "the view now is untouched");
  const repos = (await a.inject({ method: "GET", url: "/repos?asOf=4" })).json();
  assert.equal(repos.repos.map((r: { repo: string }) => r.repo), [REPO.key]);
  const deliveries = await a.inject({ method: "GET", url: "/deliveries?asOf=0" });
  assert.equal([deliveries.json().deliveries, deliveries.headers["slipway-as-of-seq"]], [[], "0"]);
  assert.is((await a.inject({ method: "GET", url: `/deliveries/${DELIVERY}?asOf=1` })).json().status, "received");
});

test("asOf - a time stands for the last sequence before the first event stamped after it", async () => {
  const a = appOf(fixtureEvents());
  // t(12): A started at t(12); C (t(20)) and A's push (t(15)) come after.
  const res = await a.inject({ method: "GET", url: `/builds?asOf=${encodeURIComponent(t(12).toISOString())}` });
  assert.is(res.headers["slipway-as-of-seq"], "4", "C, stamped t(20), is the fifth event: the answer stops before it");
  assert.equal(ids(res.json()), [B, A]);
  const future = await a.inject({ method: "GET", url: "/builds?asOf=99999" });
  assert.is(future.headers["slipway-as-of-seq"], "7", "a point past the checkpoint is the view now");
});

test("provenance - the build, commit, push, log and chain of the image at a digest", async () => {
  const events = [webhook(), repoUpdated(), queued(t(10), A), started(1, t(12), A), built(1, t(14), A), pushed(1, t(15), A)];
  const state = ProjectionState.empty(null);
  events.forEach((e, i) => state.apply(e, i + 1));
  const a = buildApp({ readModel: state, logsDir: "/nonexistent", eventAt: async (seq) => events[seq - 1] ?? null });
  const image = "127.0.0.1:5500/docker-ci";
  const res = await a.inject({ method: "GET", url: `/provenance?image=${encodeURIComponent(image + ":latest")}&digest=${DIGEST}` });
  assert.is(res.statusCode, 200);
  const body = res.json();
  assert.equal([body.image, body.digest, body.builds.length], [image, DIGEST, 1]);
  const entry = body.builds[0];
  assert.equal(entry.commit, { repo: REPO.key, sha: SHA, branch: "main" });
  assert.equal(entry.push, { deliveryId: DELIVERY, ref: "refs/heads/main", pusher: "fruty", receivedAt: t(-2).toISOString() });
  assert.is(entry.log, `/builds/${A}/log`);
  assert.equal(entry.chain.map((l: { seq: number; type: string }) => [l.seq, l.type]), [[1, "WebhookReceived"], [2, "RepoUpdated"], [3, "BuildQueued"], [4, "BuildStarted"], [5, "ImageBuilt"], [6, "ImagePushed"]]);
  assert.equal(entry.chain.map((l: { event: { id: string } }) => l.event.id), events.map((e) => e.id), "each link carries the event itself");
  assert.is(entry.build.digest, DIGEST);
});

for (const [query, status, message] of [
  [`image=x`, 400, /digest must be given once, as sha256:/],
  [`digest=${DIGEST}`, 400, /image must be given once/],
  [`image=x&digest=sha256:abc`, 400, /digest must be given once/],
  [`image=x&digest=${DIGEST}&build=1`, 400, /unknown query parameter "build"/],
  [`image=127.0.0.1%3A5500%2Fother&digest=${DIGEST}`, 404, /no build pushed 127.0.0.1:5500\/other@sha256:d{64}/],
] as const) {
  test(`provenance - ${query} is a ${status} that says why`, async () => {
    const res = await get(`/provenance?${query}`, [...fixtureEvents(), built(1, t(14), A)]);
    assert.is(res.status, status);
    assert.match(res.body.error.message, message);
  });
}

test.run();
