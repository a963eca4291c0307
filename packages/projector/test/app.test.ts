import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildApp } from "../src/app.js";
import { ProjectionState } from "../src/projection-state.js";
import { BUILD, failed, ignoredWebhook, queued, REPO, SHA, started, t, webhook } from "./fixtures.js";

const OLD = "b00000000000old1";
const NEW = "b00000000000new1";
const TIE_A = "b0000000000tie-a";
const TIE_B = "b0000000000tie-b";

function fixtureState(): ProjectionState {
  const state = ProjectionState.empty(null);
  const events = [
    webhook(),
    queued(t(10), OLD),
    queued(t(30), NEW, { repo: { key: "other/repo", name: "repo", owner: "other" } }),
    queued(t(20), TIE_A),
    queued(t(20), TIE_B),
    started(1, t(31), NEW),
    failed(1, t(40), OLD),
  ];
  events.forEach((e, i) => state.apply(e, i + 1));
  return state;
}

let logsDir = "";
test.before(async () => {
  logsDir = await mkdtemp(join(tmpdir(), "projector-app-"));
  await writeFile(join(logsDir, `${OLD}.log`), "step 1\nfailed\n");
});
test.after(async () => {
  await rm(logsDir, { recursive: true, force: true });
});

const app = () => buildApp({ readModel: fixtureState(), logsDir });

test("api - GET /builds lists newest first, then by id, without events", async () => {
  const res = await app().inject({ method: "GET", url: "/builds" });
  assert.is(res.statusCode, 200);
  const body = res.json();
  assert.equal(
    body.builds.map((b: { id: string }) => b.id),
    [NEW, TIE_B, TIE_A, OLD],
  );
  assert.is(body.builds[0].events, undefined);
  assert.is(body.builds[0].status, "running");
});

test("api - GET /builds filters by repo and status and limits", async () => {
  const a = app();
  const byRepo = (await a.inject({ method: "GET", url: "/builds?repo=other%2Frepo" })).json();
  assert.equal(byRepo.builds.map((b: { id: string }) => b.id), [NEW]);
  const byStatus = (await a.inject({ method: "GET", url: "/builds?status=failed" })).json();
  assert.equal(byStatus.builds.map((b: { id: string }) => b.id), [OLD]);
  const limited = (await a.inject({ method: "GET", url: "/builds?limit=2" })).json();
  assert.equal(limited.builds.map((b: { id: string }) => b.id), [NEW, TIE_B]);
});

for (const query of ["limit=0", "limit=1001", "limit=abc", "limit=1.5", "limit=-3", "status=done", "limit=1&limit=2", "repo="]) {
  test(`api - GET /builds?${query} is a 400 with an error code`, async () => {
    const res = await app().inject({ method: "GET", url: `/builds?${query}` });
    assert.is(res.statusCode, 400);
    assert.is(res.json().error.code, "BAD_REQUEST");
    assert.type(res.json().error.message, "string");
  });
}

test("api - GET /builds/:id gives the build with its events", async () => {
  const res = await app().inject({ method: "GET", url: `/builds/${OLD}` });
  assert.is(res.statusCode, 200);
  const b = res.json();
  assert.is(b.id, OLD);
  assert.is(b.status, "failed");
  assert.equal(b.error, { stage: "build", code: "DOCKER_BUILD_FAILED", message: "The command '/bin/sh -c false' returned a non-zero code: 1" });
  assert.equal(b.events.map((e: { type: string }) => e.type), ["BuildQueued", "BuildFailed"]);
});

test("api - GET /builds/:id of an unknown build is a 404 BUILD_NOT_FOUND", async () => {
  const res = await app().inject({ method: "GET", url: `/builds/${BUILD}` });
  assert.is(res.statusCode, 404);
  assert.is(res.json().error.code, "BUILD_NOT_FOUND");
});

test("api - GET /builds/:id/log serves the log file as text", async () => {
  const res = await app().inject({ method: "GET", url: `/builds/${OLD}/log` });
  assert.is(res.statusCode, 200);
  assert.match(String(res.headers["content-type"]), /^text\/plain/);
  assert.is(res.body, "step 1\nfailed\n");
});

for (const id of [NEW, "..%2F..%2Fetc%2Fpasswd", "a.b"]) {
  test(`api - GET /builds/${id}/log without a log file is a 404`, async () => {
    const res = await app().inject({ method: "GET", url: `/builds/${id}/log` });
    assert.is(res.statusCode, 404);
    assert.is(res.json().error.code, "LOG_NOT_FOUND");
  });
}

test("api - GET /healthz reports the checkpoint", async () => {
  const res = await app().inject({ method: "GET", url: "/healthz" });
  assert.equal(res.json(), { status: "ok", checkpoint: 7 });
});

test("api - GET /deliveries lists deliveries", async () => {
  const res = await app().inject({ method: "GET", url: "/deliveries?status=received" });
  assert.is(res.statusCode, 200);
  assert.equal(res.json().deliveries.map((d: { deliveryId: string }) => d.deliveryId), ["delivery-1"]);
});

test("api - GET /deliveries shows an ignored push with its reason and the facts of the push", async () => {
  const state = ProjectionState.empty(null);
  [webhook(), ignoredWebhook(t(5), { deliveryId: "delivery-2", branch: "wip", ref: "refs/heads/wip", reason: "branch-filtered", message: "branch wip matches no glob of SLIPWAY_BRANCHES (main): not built" })].forEach((e, i) => state.apply(e, i + 1));
  const a = buildApp({ readModel: state, logsDir });
  const all = (await a.inject({ method: "GET", url: "/deliveries" })).json();
  assert.equal(all.deliveries.map((d: { deliveryId: string; status: string }) => [d.deliveryId, d.status]), [["delivery-2", "ignored"], ["delivery-1", "received"]]);
  const res = await a.inject({ method: "GET", url: "/deliveries?status=ignored" });
  assert.is(res.statusCode, 200);
  assert.equal(res.json().deliveries, [
    {
      deliveryId: "delivery-2",
      status: "ignored",
      repo: REPO.key,
      repoName: REPO.name,
      ref: "refs/heads/wip",
      branch: "wip",
      requestedSha: SHA,
      sha: null,
      pusher: "fruty",
      buildNumber: null,
      dockerfiles: [],
      error: null,
      ignored: { reason: "branch-filtered", message: "branch wip matches no glob of SLIPWAY_BRANCHES (main): not built" },
      receivedAt: t(5).toISOString(),
      updatedAt: t(5).toISOString(),
      events: [{ seq: 2, type: "WebhookIgnored", id: res.json().deliveries[0].events[0].id, time: t(5).toISOString() }],
    },
  ]);
});

test("api - an unknown route is a 404 with an error code", async () => {
  const res = await app().inject({ method: "GET", url: "/nope" });
  assert.is(res.statusCode, 404);
  assert.is(res.json().error.code, "NOT_FOUND");
});

test.run();
