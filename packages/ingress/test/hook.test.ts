import { createHmac } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { WebhookReceived } from "@slipway/events";
import { createLogger } from "@slipway/service-kit";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";

const SEED_BODY = '{\n  "ref": "refs/heads/master",\n  "repository": {"name": "fruty_docker-ci"},\n  "head_commit": {"id": "test"}\n}';
const logger = createLogger("ingress-test", "silent");

function appWith(env: Record<string, string> = {}, fail = false) {
  const accepted: WebhookReceived[] = [];
  const app = buildApp({
    config: loadConfig(env),
    logger,
    accept: async (e) => {
      if (fail) throw new Error("no JetStream");
      accepted.push(e);
    },
  });
  return { app, accepted };
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
  const { app, accepted } = appWith();
  assert.is((await post(app, "{}", { "x-github-event": "ping" })).statusCode, 200);
  assert.is((await post(app, SEED_BODY, { "x-github-event": "issues" })).statusCode, 202);
  const deleted = JSON.stringify({ ref: "refs/heads/gone", deleted: true, repository: { name: "r" } });
  assert.is((await post(app, deleted, { "x-github-event": "push" })).statusCode, 202);
  assert.is(accepted.length, 0);
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

test.run();
