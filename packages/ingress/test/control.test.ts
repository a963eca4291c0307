import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Value } from "@sinclair/typebox/value";
import { BuildId, createEvent, eventIds, retryBuildIdFor, type BuildQueued, type Event, type EventLinks, type TerminalPhase } from "@slipway/events";
import { bearerToken, createLogger, tokenMatches } from "@slipway/service-kit";
import { buildApp } from "../src/app.js";
import { recordingStore } from "./hook-store.js";
import { parseRef, parseRepo } from "../src/build-request.js";
import { loadConfig } from "../src/config.js";
import type { ControlStore } from "../src/control-store.js";
import { ControlErrorCode } from "../src/replies.js";

const TOKEN = "t0ken-for-tests-0123456789";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const SHA = "a".repeat(40);
const logger = createLogger("ingress-control-test", "silent");

type Published = { type: string; data: unknown; links: EventLinks };

function queuedEvent(buildId: string, fields: Partial<BuildQueued> = {}): Event<"BuildQueued"> {
  const data: BuildQueued = {
    buildId,
    deliveryId: `delivery-${buildId}`,
    repo: { key: "acme/shop", name: "shop", owner: "acme" },
    sha: SHA,
    branch: "main",
    dockerfile: "Dockerfile_test",
    image: "127.0.0.1:5500/shop_test",
    tags: [SHA, "7", "main", "latest"],
    buildNumber: 7,
    contextObject: `contexts/${buildId}.tar`,
    source: "https://github.com/acme/shop",
    ...fields,
  };
  return createEvent("BuildQueued", data, { id: eventIds.buildQueued(buildId), correlationId: data.deliveryId, causationId: "repo-updated-1" });
}

/** An in-memory store: builds by id with their verdict; records every read and publish. */
function fakeStore(builds: Record<string, { queued: Event<"BuildQueued">; terminal: TerminalPhase | null }> = {}, failPublish = false) {
  const published: Published[] = [];
  const reads: string[] = [];
  const store: ControlStore = {
    queued: async (id) => {
      reads.push(`queued:${id}`);
      return builds[id]?.queued ?? null;
    },
    terminal: async (id) => {
      reads.push(`terminal:${id}`);
      return builds[id]?.terminal ?? null;
    },
    publish: async (type, data, links) => {
      if (failPublish) throw new Error("no JetStream");
      createEvent(type, data, links); // the real store validates too
      published.push({ type, data, links });
    },
  };
  return { store, published, reads };
}

function appWith(env: Record<string, string> = { SLIPWAY_API_TOKEN: TOKEN }, fake = fakeStore()) {
  const { store, received: hooks } = recordingStore();
  const app = buildApp({ config: loadConfig(env), logger, store, control: fake.store });
  return { app, ...fake, hooks };
}

type App = ReturnType<typeof appWith>["app"];
const post = (app: App, url: string, body?: unknown, headers: Record<string, string> = AUTH) =>
  app.inject({
    method: "POST",
    url,
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
  });

const RUNNING = "b0123456789abcde";
const FAILED = "b00000000000fail";
const PUSHED = "b0000000000pushd";
function storeWithBuilds(failPublish = false) {
  return fakeStore(
    {
      [RUNNING]: { queued: queuedEvent(RUNNING), terminal: null },
      [FAILED]: { queued: queuedEvent(FAILED, { retryOf: "bolder", requestedBy: "someone" }), terminal: "failed" },
      [PUSHED]: { queued: queuedEvent(PUSHED), terminal: "pushed" },
    },
    failPublish,
  );
}

test("control auth - bearer parsing and the constant-time comparison", () => {
  assert.is(bearerToken(`Bearer ${TOKEN}`), TOKEN);
  assert.is(bearerToken(`bearer ${TOKEN}`), TOKEN);
  assert.is(bearerToken(undefined), null);
  assert.is(bearerToken(`Basic ${TOKEN}`), null);
  assert.is(bearerToken("Bearer "), null);
  assert.is(bearerToken("Bearer a b"), null);
  assert.ok(tokenMatches(TOKEN, TOKEN));
  assert.not.ok(tokenMatches(TOKEN, TOKEN.slice(0, -1)));
  assert.not.ok(tokenMatches(TOKEN, TOKEN + "x"));
  assert.not.ok(tokenMatches(TOKEN, ""));
});

test("control auth - without SLIPWAY_API_TOKEN every control route answers 503 and does nothing", async () => {
  const { app, published, reads } = appWith({}, storeWithBuilds());
  for (const [url, body] of [["/builds", { repo: "acme/shop", ref: "main" }], [`/builds/${FAILED}/retry`, undefined], [`/builds/${RUNNING}/cancel`, {}]] as const) {
    const res = await post(app, url, body);
    assert.is(res.statusCode, 503, url);
    assert.is(res.json().code, ControlErrorCode.ApiDisabled);
    assert.match(res.json().message, /SLIPWAY_API_TOKEN/);
  }
  assert.equal(published, []);
  assert.equal(reads, []);
});

test("control auth - a missing or wrong token answers 401 and never echoes a token", async () => {
  const { app, published, reads } = appWith(undefined, storeWithBuilds());
  const wrong: Record<string, string>[] = [{}, { authorization: "Bearer wrong-token" }, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Basic ${TOKEN}` }, { authorization: TOKEN }];
  for (const headers of wrong) {
    for (const url of ["/builds", `/builds/${FAILED}/retry`, `/builds/${RUNNING}/cancel`]) {
      const res = await post(app, url, { repo: "acme/shop", ref: "main" }, headers);
      assert.is(res.statusCode, 401, `${url} ${JSON.stringify(headers)}`);
      assert.is(res.json().code, ControlErrorCode.Unauthorized);
      assert.is(res.headers["www-authenticate"], 'Bearer realm="slipway"');
      assert.not.ok(res.body.includes(TOKEN), "reply does not contain the token");
      assert.not.ok(res.body.includes("wrong-token"), "reply does not echo the given token");
    }
  }
  assert.equal(published, []);
  assert.equal(reads, []);
});

test("control auth - the token may come from SLIPWAY_API_TOKEN_FILE", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ingress-token-"));
  const file = join(dir, "token");
  writeFileSync(file, `${TOKEN}\n`);
  try {
    const { app, published } = appWith({ SLIPWAY_API_TOKEN_FILE: file });
    assert.is((await post(app, "/builds", { repo: "acme/shop", ref: "main" })).statusCode, 202);
    assert.is((await post(app, "/builds", { repo: "acme/shop", ref: "main" }, { authorization: "Bearer x" })).statusCode, 401);
    assert.is(published.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("control request - repo names follow GitHub's rules", () => {
  assert.equal(parseRepo("acme/shop"), { ok: true, value: { key: "acme/shop", name: "shop", owner: "acme" } });
  assert.equal(parseRepo("fruty_docker-ci"), { ok: true, value: { key: "fruty_docker-ci", name: "fruty_docker-ci", owner: null } });
  assert.ok(parseRepo("a.b/c.d-e_f").ok);
  assert.ok(parseRepo("x".repeat(100)).ok);
  for (const bad of ["", "/", "a/", "/a", "a/b/c", ".", "..", "a/..", "../a", "a b", "a:b", "a%2fb", "é", "x".repeat(101), `a/${"x".repeat(101)}`]) {
    assert.not.ok(parseRepo(bad).ok, JSON.stringify(bad));
  }
});

test("control request - refs: branch names become refs/heads, refs git refuses are refused", () => {
  const ok: [string, string, string | null][] = [
    ["main", "refs/heads/main", "main"],
    ["feature/x-1", "refs/heads/feature/x-1", "feature/x-1"],
    ["refs/heads/release/1.2", "refs/heads/release/1.2", "release/1.2"],
    ["refs/tags/v1.0.0", "refs/tags/v1.0.0", null],
    ["héllo", "refs/heads/héllo", "héllo"],
  ];
  for (const [input, ref, branch] of ok) assert.equal(parseRef(input), { ok: true, value: { ref, branch } }, input);
  const bad = ["", "@", "a..b", "a@{1}", "a/", "a.lock", "a/b.lock/c", "a b", "a\tb", "a\u0001b", "a\u007fb", "a~1", "a^", "a:b", "a?", "a*", "a[0]", "a\\b", "/a", "a//b", ".a", "a/.b", "a.", "-x", "refs/heads/", "refs/tags/", "refs/remotes/origin/x", "refs/pull/1/head", "x".repeat(1001)];
  for (const input of bad) {
    const r = parseRef(input);
    assert.not.ok(r.ok, JSON.stringify(input));
    if (!r.ok) assert.match(r.message, /^ref /);
  }
});

test("control builds - bad body, repo, ref, sha or X-Slipway-User answers 400 and publishes nothing", async () => {
  const { app, published } = appWith();
  const cases: [unknown, Record<string, string>, RegExp][] = [
    [{ ref: "main" }, {}, /repo/],
    [{ repo: "acme/shop" }, {}, /ref/],
    [{ repo: "acme/shop", ref: "main", branch: "main" }, {}, /body/],
    [{ repo: 5, ref: "main" }, {}, /repo/],
    [{ repo: "acme/../shop", ref: "main" }, {}, /repo/],
    [{ repo: "acme/shop", ref: "a..b" }, {}, /ref "a\.\.b" contains \.\./],
    [{ repo: "acme/shop", ref: "main", sha: "abc123" }, {}, /sha/],
    [{ repo: "acme/shop", ref: "main", sha: "g".repeat(40) }, {}, /sha/],
    [{ repo: "acme/shop", ref: "main" }, { "x-slipway-user": "a b" }, /X-Slipway-User/],
    [{ repo: "acme/shop", ref: "main" }, { "x-slipway-user": "x".repeat(101) }, /X-Slipway-User/],
  ];
  for (const [body, headers, message] of cases) {
    const res = await post(app, "/builds", body, { ...AUTH, ...headers });
    assert.is(res.statusCode, 400, JSON.stringify(body));
    assert.is(res.json().code, ControlErrorCode.InvalidRequest);
    assert.match(res.json().message, message);
  }
  const noBody = await post(app, "/builds");
  assert.is(noBody.statusCode, 400);
  assert.match(noBody.json().message, /repo/);
  const notJson = await app.inject({ method: "POST", url: "/builds", payload: "{nope", headers: { ...AUTH, "content-type": "application/json" } });
  assert.is(notJson.statusCode, 400);
  assert.is(notJson.json().code, ControlErrorCode.InvalidRequest);
  const form = await app.inject({ method: "POST", url: "/builds", payload: "repo=a", headers: { ...AUTH, "content-type": "application/x-www-form-urlencoded" } });
  assert.is(form.statusCode, 415);
  assert.is(form.json().code, ControlErrorCode.UnsupportedMediaType);
  assert.equal(published, []);
});

test("control builds - a repo outside SLIPWAY_ALLOWED_REPOS answers 403", async () => {
  const { app, published } = appWith({ SLIPWAY_API_TOKEN: TOKEN, SLIPWAY_ALLOWED_REPOS: "acme/*" });
  const res = await post(app, "/builds", { repo: "evil/x", ref: "main" });
  assert.is(res.statusCode, 403);
  assert.is(res.json().code, ControlErrorCode.RepoNotAllowed);
  assert.match(res.json().message, /evil\/x/);
  assert.equal(published, []);
  assert.is((await post(app, "/builds", { repo: "acme/shop", ref: "main" })).statusCode, 202);
  assert.is(published.length, 1);
});

test("control builds - 202 after publishing exactly one manual WebhookReceived", async () => {
  const { app, published, hooks } = appWith();
  const res = await post(app, "/builds", { repo: "acme/shop", ref: "feature/x", sha: "AB".repeat(20) });
  assert.is(res.statusCode, 202);
  const reply = res.json();
  assert.match(reply.deliveryId, /^manual-[0-9a-f-]{36}$/);
  assert.equal(reply, { status: "accepted", message: "build of acme/shop refs/heads/feature/x requested", deliveryId: reply.deliveryId, repo: "acme/shop", ref: "refs/heads/feature/x", sha: "ab".repeat(20) });
  assert.equal(published, [
    {
      type: "WebhookReceived",
      data: {
        deliveryId: reply.deliveryId,
        source: "manual",
        repo: { key: "acme/shop", name: "shop", owner: "acme" },
        ref: "refs/heads/feature/x",
        branch: "feature/x",
        requestedSha: "ab".repeat(20),
        defaultBranch: null,
        pusher: "api",
      },
      links: { id: eventIds.webhookReceived(reply.deliveryId), correlationId: reply.deliveryId, causationId: null },
    },
  ]);
  assert.equal(hooks, [], "the hook's accept is not used");

  const tag = await post(app, "/builds", { repo: "shop", ref: "refs/tags/v1" }, { ...AUTH, "x-slipway-user": "ann@acme" });
  assert.is(tag.statusCode, 202);
  const second = published[1]!.data as { deliveryId: string; pusher: string; branch: string | null; requestedSha: string; repo: unknown };
  assert.is.not(second.deliveryId, reply.deliveryId, "every request is a new delivery");
  assert.is(second.pusher, "ann@acme");
  assert.is(second.branch, null);
  assert.is(second.requestedSha, "", "no sha: the tip of the ref");
  assert.equal(second.repo, { key: "shop", name: "shop", owner: null });
});

test("control builds - 503 when the event store does not acknowledge", async () => {
  const { app } = appWith(undefined, fakeStore({}, true));
  const res = await post(app, "/builds", { repo: "acme/shop", ref: "main" });
  assert.is(res.statusCode, 503);
  assert.is(res.json().code, ControlErrorCode.StoreUnavailable);
});

test("control retry - bad id 400, unknown build 404, unfinished build 409; nothing published", async () => {
  const { app, published } = appWith(undefined, storeWithBuilds());
  const bad = await post(app, "/builds/bad.id/retry");
  assert.is(bad.statusCode, 400);
  assert.is(bad.json().code, ControlErrorCode.InvalidRequest);
  assert.is((await post(app, `/builds/${"x".repeat(65)}/retry`)).statusCode, 400);
  const unknown = await post(app, "/builds/bnothere/retry");
  assert.is(unknown.statusCode, 404);
  assert.is(unknown.json().code, ControlErrorCode.BuildNotFound);
  const running = await post(app, `/builds/${RUNNING}/retry`);
  assert.is(running.statusCode, 409);
  assert.is(running.json().code, ControlErrorCode.BuildRunning);
  assert.match(running.json().message, /still running/);
  assert.equal(published, []);
});

test("control retry - a finished build is queued again under a new id, same commit and delivery", async () => {
  const { app, published } = appWith(undefined, storeWithBuilds());
  const res = await post(app, `/builds/${FAILED}/retry`, undefined, { ...AUTH, "x-slipway-user": "ann" });
  assert.is(res.statusCode, 202);
  const reply = res.json();
  assert.ok(Value.Check(BuildId, reply.buildId), "the new id is a BuildId");
  assert.match(reply.buildId, /^r[0-9a-f]{15}$/);
  assert.equal(reply, { status: "accepted", message: `build ${FAILED} (failed) queued again as ${reply.buildId}`, buildId: reply.buildId, retryOf: FAILED, deliveryId: `delivery-${FAILED}` });
  const old = queuedEvent(FAILED);
  assert.equal(published, [
    {
      type: "BuildQueued",
      data: { ...old.data, buildId: reply.buildId, retryOf: FAILED, requestedBy: "ann" },
      links: { id: eventIds.buildQueued(reply.buildId), correlationId: old.correlationId, causationId: old.id },
    },
  ]);
  // A succeeded build may be rebuilt too; every request gets its own build.
  const again = await post(app, `/builds/${PUSHED}/retry`);
  const twice = await post(app, `/builds/${PUSHED}/retry`);
  assert.is(again.statusCode, 202);
  assert.is.not(again.json().buildId, twice.json().buildId);
  assert.is((published[1]!.data as BuildQueued).requestedBy, "api");
  assert.is(retryBuildIdFor("b1", "req-1"), retryBuildIdFor("b1", "req-1"), "the id recipe is deterministic");
});

test("control retry - 503 when the event store does not acknowledge", async () => {
  const { app } = appWith(undefined, storeWithBuilds(true));
  const res = await post(app, `/builds/${FAILED}/retry`);
  assert.is(res.statusCode, 503);
  assert.is(res.json().code, ControlErrorCode.StoreUnavailable);
});

test("control cancel - bad id or reason 400, unknown 404, finished 409 naming the verdict; nothing published", async () => {
  const { app, published } = appWith(undefined, storeWithBuilds());
  assert.is((await post(app, "/builds/b~1/cancel")).statusCode, 400);
  const longReason = await post(app, `/builds/${RUNNING}/cancel`, { reason: "x".repeat(1001) });
  assert.is(longReason.statusCode, 400);
  assert.match(longReason.json().message, /reason/);
  assert.is((await post(app, `/builds/${RUNNING}/cancel`, { reason: 5 })).statusCode, 400);
  assert.is((await post(app, `/builds/${RUNNING}/cancel`, { why: "x" })).statusCode, 400);
  const unknown = await post(app, "/builds/bnothere/cancel");
  assert.is(unknown.statusCode, 404);
  assert.is(unknown.json().code, ControlErrorCode.BuildNotFound);
  for (const [id, verdict] of [[FAILED, "failed"], [PUSHED, "pushed"]] as const) {
    const res = await post(app, `/builds/${id}/cancel`, {});
    assert.is(res.statusCode, 409);
    assert.is(res.json().code, ControlErrorCode.BuildFinished);
    assert.match(res.json().message, new RegExp(`already ${verdict}`));
  }
  assert.equal(published, []);
});

test("control cancel - a running build gets one BuildCancelRequested with requester and reason", async () => {
  const { app, published } = appWith(undefined, storeWithBuilds());
  const res = await post(app, `/builds/${RUNNING}/cancel`, { reason: "wrong commit" }, { ...AUTH, "x-slipway-user": "ann" });
  assert.is(res.statusCode, 202);
  const { requestId } = res.json();
  assert.equal(res.json(), { status: "accepted", message: `cancel of build ${RUNNING} requested`, buildId: RUNNING, requestId });
  const old = queuedEvent(RUNNING);
  assert.equal(published, [
    {
      type: "BuildCancelRequested",
      data: { buildId: RUNNING, requestedBy: "ann", reason: "wrong commit" },
      links: { id: eventIds.cancelRequested(RUNNING, requestId), correlationId: old.correlationId, causationId: old.id },
    },
  ]);
  const noBody = await post(app, `/builds/${RUNNING}/cancel`);
  assert.is(noBody.statusCode, 202);
  assert.equal(published[1]!.data, { buildId: RUNNING, requestedBy: "api", reason: "" });
  assert.is.not(published[1]!.links.id, published[0]!.links.id, "each press is its own event");
  // curl -X POST -H 'Content-Type: application/json' without -d: an empty body is no body.
  const emptyJson = await app.inject({ method: "POST", url: `/builds/${RUNNING}/cancel`, headers: { ...AUTH, "content-type": "application/json" } });
  assert.is(emptyJson.statusCode, 202);
  assert.is(published.length, 3);
});

test("control errors - the README documents every control error code", () => {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  for (const code of Object.values(ControlErrorCode)) assert.ok(readme.includes(`\`${code}\``), `README lists ${code}`);
});

test.run();
