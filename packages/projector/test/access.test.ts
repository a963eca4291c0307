import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { accessMode } from "../src/access.js";
import { ApiErrorCode, buildApp } from "../src/app.js";
import { ProjectionState } from "../src/projection-state.js";
import type { Readiness } from "../src/readiness.js";
import { BUILD, DELIVERY, queued, webhook } from "./fixtures.js";

const TOKEN = "projector-t0ken-0123456789";
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** Every route of the API but /healthz, with a URL that answers 200 given the token. */
const GUARDED = ["/builds", `/builds/${BUILD}`, `/builds/${BUILD}/log`, "/deliveries", "/deliveries?status=received", `/deliveries/${DELIVERY}`, "/repos", "/readyz"];

const ready: Readiness = {
  status: "ready",
  maxLag: 10,
  lag: {
    events: { durable: "projector", stream: "CI_EVENTS", pending: 0, ackPending: 0, lastSeq: 2, checkpoint: 2, behind: 0 },
    logs: { durable: "projector-logs", stream: "CI_LOGS", pending: 0, ackPending: 0, lastSeq: 0, checkpoint: 0, behind: 0 },
  },
};

let logsDir = "";
test.before(async () => {
  logsDir = await mkdtemp(join(tmpdir(), "projector-access-"));
  await writeFile(join(logsDir, `${BUILD}.log`), "the log\n");
});
test.after(async () => {
  await rm(logsDir, { recursive: true, force: true });
});

function app(apiToken: string | null) {
  const state = ProjectionState.empty(null);
  [webhook(), queued()].forEach((e, i) => state.apply(e, i + 1));
  return buildApp({ readModel: state, logsDir, apiToken, readiness: async () => ready });
}

test("access - with a token, every route but /healthz answers 401 without it", async () => {
  const a = app(TOKEN);
  for (const url of [...GUARDED, "/nope"]) {
    for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await a.inject({ method: "GET", url, headers });
      assert.is(res.statusCode, 401, `${url} ${JSON.stringify(headers)}`);
      assert.is(res.json().error.code, "UNAUTHORIZED");
      assert.type(res.json().error.message, "string");
      assert.is(res.headers["www-authenticate"], 'Bearer realm="slipway"');
      assert.not.ok(res.body.includes(TOKEN));
    }
  }
  assert.is((await a.inject({ method: "HEAD", url: "/builds" })).statusCode, 401);
});

test("access - with the token, every route answers", async () => {
  const a = app(TOKEN);
  for (const url of GUARDED) {
    const res = await a.inject({ method: "GET", url, headers: AUTH });
    assert.is(res.statusCode, 200, url);
  }
  assert.is((await a.inject({ method: "GET", url: `/builds/${BUILD}/log`, headers: AUTH })).body, "the log\n");
  // A wrong route with the token is an ordinary 404.
  assert.is((await a.inject({ method: "GET", url: "/nope", headers: AUTH })).json().error.code, "NOT_FOUND");
});

test("access - /healthz needs no token", async () => {
  const a = app(TOKEN);
  const res = await a.inject({ method: "GET", url: "/healthz" });
  assert.is(res.statusCode, 200);
  assert.equal(res.json(), { status: "ok", checkpoint: 2 });
  assert.is((await a.inject({ method: "HEAD", url: "/healthz" })).statusCode, 200);
});

test("access - a route added later (another plugin) is covered too", async () => {
  const a = app(TOKEN);
  a.register(async (child) => {
    child.get("/later", async () => ({ ok: true }));
  });
  assert.is((await a.inject({ method: "GET", url: "/later" })).statusCode, 401);
  assert.is((await a.inject({ method: "GET", url: "/later", headers: AUTH })).statusCode, 200);
});

test("access - without a token every route answers (the service then listens on loopback only)", async () => {
  const a = app(null);
  for (const url of [...GUARDED, "/healthz"]) assert.is((await a.inject({ method: "GET", url })).statusCode, 200, url);
});

test("access - the start line says which mode the API is in", () => {
  const base = { host: "127.0.0.1", port: 5000, insecureNoToken: false };
  const withToken = accessMode({ ...base, host: "0.0.0.0", apiToken: TOKEN });
  assert.is(withToken.level, "info");
  assert.match(withToken.message, /0\.0\.0\.0:5000: every route but \/healthz requires Authorization: Bearer/);
  assert.not.match(withToken.message, new RegExp(TOKEN));
  const local = accessMode({ ...base, apiToken: null });
  assert.is(local.level, "info");
  assert.match(local.message, /127\.0\.0\.1:5000 only, without a token/);
  const open = accessMode({ ...base, host: "0.0.0.0", apiToken: null, insecureNoToken: true });
  assert.is(open.level, "warn");
  assert.match(open.message, /WITHOUT a token \(SLIPWAY_PROJECTOR_INSECURE_NO_TOKEN=true\)/);
});

test("access - the README lists every error code of the API", () => {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  for (const code of Object.values(ApiErrorCode)) assert.ok(readme.includes(`\`${code}\``), `README lists ${code}`);
});

test.run();
