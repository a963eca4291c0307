import { createHmac } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createLogger } from "@slipway/service-kit";
import { buildApp } from "../src/app.js";
import { recordingStore } from "./hook-store.js";
import { loadConfig } from "../src/config.js";

const SEED_BODY = '{\n  "ref": "refs/heads/master",\n  "repository": {"name": "fruty_docker-ci"},\n  "head_commit": {"id": "test"}\n}';
const logger = createLogger("ingress-test", "silent");

function appWith(env: Record<string, string> = {}, fail = false) {
  const { store, received: accepted, ignored } = recordingStore(fail);
  const app = buildApp({ config: loadConfig(env), logger, store });
  return { app, accepted, ignored };
}

const post = (app: ReturnType<typeof appWith>["app"], payload: string, headers: Record<string, string> = {}) =>
  app.inject({ method: "POST", url: "/hook", payload, headers: { "content-type": "application/json", ...headers } });

test("hook - the seed's curl gets the seed's exact reply and one event", async () => {
  const { app, accepted } = appWith();
  const res = await post(app, SEED_BODY, { "cache-control": "no-cache" });
  assert.is(res.statusCode, 200);
  assert.is(res.body, '{"status":"success","data":"","message":"hook successful"}');
  assert.is(accepted.length, 1);
  const e = accepted[0]!;
  assert.equal(e.repo, { key: "fruty_docker-ci", name: "fruty_docker-ci", owner: null });
  assert.is(e.branch, "master");
  assert.is(e.requestedSha, "test");
  assert.is(e.source, "manual");
});

test("hook - a GitHub push keeps owner, default branch and the delivery id", async () => {
  const { app, accepted } = appWith();
  const body = JSON.stringify({
    ref: "refs/heads/main",
    after: "b".repeat(40),
    head_commit: { id: "b".repeat(40) },
    repository: { name: "app", full_name: "acme/app", owner: { login: "acme", name: "acme" }, default_branch: "main" },
    pusher: { name: "ann" },
  });
  const res = await post(app, body, { "x-github-event": "push", "x-github-delivery": "abc-123" });
  assert.is(res.statusCode, 200);
  assert.equal(accepted[0]!.repo, { key: "acme/app", name: "app", owner: "acme" });
  assert.is(accepted[0]!.deliveryId, "abc-123");
  assert.is(accepted[0]!.defaultBranch, "main");
  assert.is(accepted[0]!.source, "push");
});

test("hook - bad input gets a clear 4xx and stores nothing", async () => {
  const { app, accepted } = appWith();
  const cases: [string, Record<string, string>, number, RegExp][] = [
    ["{not json", {}, 400, /JSON/],
    ['{"ref":"refs/heads/x"}', {}, 400, /repository/],
    ['{"ref":"refs/heads/x","repository":{"name":""}}', {}, 400, /repository\/name/],
    [SEED_BODY, { "x-github-delivery": "../../etc" }, 400, /X-GitHub-Delivery/],
  ];
  for (const [body, headers, status, message] of cases) {
    const res = await post(app, body, headers);
    assert.is(res.statusCode, status, body);
    assert.match(res.json().message, message);
  }
  const form = await app.inject({ method: "POST", url: "/hook", payload: "a=b", headers: { "content-type": "text/plain" } });
  assert.is(form.statusCode, 415);
  assert.is(accepted.length, 0);
});

test("hook - ping, other events and branch deletions build nothing", async () => {
  const { app, accepted, ignored } = appWith();
  assert.is((await post(app, "{}", { "x-github-event": "ping" })).statusCode, 200);
  assert.is((await post(app, SEED_BODY, { "x-github-event": "issues" })).statusCode, 202);
  const deleted = JSON.stringify({ ref: "refs/heads/gone", deleted: true, repository: { name: "r" } });
  assert.is((await post(app, deleted, { "x-github-event": "push" })).statusCode, 202);
  assert.is(accepted.length, 0);
  // The deletion is on record, so the deliveries view can say why nothing ran.
  assert.equal(ignored.map((e) => e.reason), ["deleted"]);
});

test("hook - with a secret, only correctly signed bodies pass", async () => {
  const { app, accepted } = appWith({ SLIPWAY_WEBHOOK_SECRET: "s3cret" });
  const sign = (body: string, key: string) => "sha256=" + createHmac("sha256", key).update(body).digest("hex");
  assert.is((await post(app, SEED_BODY)).statusCode, 401);
  assert.is((await post(app, SEED_BODY, { "x-hub-signature-256": sign(SEED_BODY, "wrong") })).statusCode, 401);
  assert.is((await post(app, SEED_BODY + " ", { "x-hub-signature-256": sign(SEED_BODY, "s3cret") })).statusCode, 401);
  assert.is(accepted.length, 0);
  assert.is((await post(app, SEED_BODY, { "x-hub-signature-256": sign(SEED_BODY, "s3cret") })).statusCode, 200);
  assert.is(accepted.length, 1);
});

test("hook - the allow-list refuses other repos with 403", async () => {
  const { app, accepted } = appWith({ SLIPWAY_ALLOWED_REPOS: "acme/*, fruty_*" });
  assert.is((await post(app, SEED_BODY)).statusCode, 200);
  const other = JSON.stringify({ ref: "refs/heads/x", repository: { name: "x", full_name: "evil/x" } });
  const res = await post(app, other);
  assert.is(res.statusCode, 403);
  assert.match(res.json().message, /evil\/x/);
  assert.is(accepted.length, 1);
});

test("hook - when the event store does not acknowledge, the hook is refused with 503", async () => {
  const { app } = appWith({}, true);
  const res = await post(app, SEED_BODY);
  assert.is(res.statusCode, 503);
  assert.is(res.json().status, "error");
});

const signWith = (body: string, key: string) => "sha256=" + createHmac("sha256", key).update(body).digest("hex");

test("hook - GitHub's form encoding (payload=...) is accepted, signed over the raw form body", async () => {
  const { app, accepted } = appWith({ SLIPWAY_WEBHOOK_SECRET: "s3cret" });
  const form = new URLSearchParams({ payload: SEED_BODY }).toString();
  const headers = { "content-type": "application/x-www-form-urlencoded" };
  assert.is((await post(app, form, { ...headers, "x-hub-signature-256": signWith(SEED_BODY, "s3cret") })).statusCode, 401, "a signature over the payload alone is not GitHub's");
  assert.is((await post(app, form, { ...headers, "x-hub-signature-256": signWith(form, "s3cret") })).statusCode, 200);
  assert.is(accepted[0]?.repo.name, "fruty_docker-ci");
  const noPayload = "x=1";
  const res = await post(app, noPayload, { ...headers, "x-hub-signature-256": signWith(noPayload, "s3cret") });
  assert.is(res.statusCode, 400);
  assert.match(res.json().message, /payload field/);
  assert.is(accepted.length, 1);
});

test("hook - during a secret rotation, signatures of either secret pass", async () => {
  const { app, accepted } = appWith({ SLIPWAY_WEBHOOK_SECRET: "new-one\nold-one" });
  for (const key of ["new-one", "old-one"]) assert.is((await post(app, SEED_BODY, { "x-hub-signature-256": signWith(SEED_BODY, key) })).statusCode, 200, key);
  assert.is((await post(app, SEED_BODY, { "x-hub-signature-256": signWith(SEED_BODY, "older-one") })).statusCode, 401);
  assert.is(accepted.length, 2);
});

test("hook - a filtered push answers 202 with the reason and is stored as ignored, not received", async () => {
  const { app, accepted, ignored } = appWith({ SLIPWAY_BRANCHES: "main" });
  const body = (ref: string, message: string) => JSON.stringify({ ref, repository: { name: "app" }, head_commit: { id: "c".repeat(40), message } });
  const dev = await post(app, body("refs/heads/dev", "work"), { "x-github-event": "push", "x-github-delivery": "d-1" });
  assert.is(dev.statusCode, 202);
  assert.equal(dev.json(), { status: "ignored", data: "", message: "branch dev matches no glob of SLIPWAY_BRANCHES (main): not built" });
  const skip = await post(app, body("refs/heads/main", "docs [skip ci]"), { "x-github-event": "push", "x-github-delivery": "d-2" });
  assert.is(skip.statusCode, 202);
  assert.equal(ignored.map((e) => [e.deliveryId, e.reason, e.branch]), [["d-1", "branch-filtered", "dev"], ["d-2", "skip-ci", "main"]]);
  assert.is(accepted.length, 0);
  assert.is((await post(app, body("refs/heads/main", "fix"))).statusCode, 200);
});

test("hook - names GitHub cannot make and refs git refuses are a 400 naming the field", async () => {
  const { app, accepted, ignored } = appWith();
  const cases: [unknown, RegExp][] = [
    [{ ref: "refs/heads/a..b", repository: { name: "r" } }, /\/ref: contains \.\./],
    [{ ref: "refs/heads/--upload-pack=x", repository: { name: "r" } }, /\/ref: .*starting with -/],
    [{ ref: "master", repository: { name: "r" } }, /\/ref: is neither/],
    [{ ref: "refs/heads/m", repository: { name: "a*" } }, /\/repository\/name/],
    [{ ref: "refs/heads/m", repository: { name: "r", owner: { login: "a b" } } }, /\/repository\/owner\/login/],
    [{ ref: "refs/heads/m", repository: { name: "r", full_name: "x/y" } }, /\/repository\/full_name/],
    [{ ref: "refs/heads/m", repository: { name: "r" }, head_commit: { id: "--output=/tmp/x" } }, /\/head_commit\/id/],
    [{ ref: "refs/heads/m", repository: { name: "r", default_branch: "a..b" } }, /\/repository\/default_branch/],
  ];
  for (const [payload, why] of cases) {
    const res = await post(app, JSON.stringify(payload));
    assert.is(res.statusCode, 400, JSON.stringify(payload));
    assert.match(res.json().message, why);
  }
  assert.is(accepted.length + ignored.length, 0);
});

test("hook - 503s say when to retry; /readyz says why the service is not ready", async () => {
  const { app } = appWith({}, true);
  const res = await post(app, SEED_BODY);
  assert.is(res.headers["retry-after"], "5");
  const notReady = buildApp({ config: loadConfig({}), logger, store: recordingStore().store, notReady: async () => "stream CI_EVENTS unreachable: timeout" });
  const ready = await notReady.inject({ method: "GET", url: "/readyz" });
  assert.is(ready.statusCode, 503);
  assert.is(ready.headers["retry-after"], "5");
  assert.match(ready.json().message, /CI_EVENTS/);
  assert.is((await appWith().app.inject({ method: "GET", url: "/readyz" })).statusCode, 200);
});

test("hook - bodies beyond the in-flight budget are refused with 503 before they are read", async () => {
  const { app, accepted } = appWith({ SLIPWAY_INGRESS_BODY_LIMIT_BYTES: "1024", SLIPWAY_INGRESS_BODIES_IN_FLIGHT_BYTES: "1024" });
  const big = JSON.stringify({ ref: "refs/heads/m", repository: { name: "r" }, pad: "x".repeat(1100) });
  assert.is((await post(app, big)).statusCode, 413, "over the body limit");
  // One request's worth of budget: the second, sent while the first is held, does not fit.
  const held = JSON.stringify({ ref: "refs/heads/m", repository: { name: "r" }, pad: "x".repeat(600) });
  const [a, b] = await Promise.all([post(app, held), post(app, held)]);
  assert.equal([a.statusCode, b.statusCode].sort(), [200, 503]);
  assert.is((await post(app, held)).statusCode, 200, "the budget is given back");
  assert.is(accepted.length, 2);
});

test.run();
