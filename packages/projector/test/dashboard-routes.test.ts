import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dashboardDir, vendorModules } from "@slipway/dashboard";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildApp } from "../src/app.js";
import { ProjectionState } from "../src/projection-state.js";
import { queued, webhook } from "./fixtures.js";

const TOKEN = "dashboard-t0ken-0123456789";
const AUTH = { authorization: `Bearer ${TOKEN}` };

let logsDir = "";
test.before(async () => {
  logsDir = await mkdtemp(join(tmpdir(), "projector-dashboard-"));
});
test.after(async () => {
  await rm(logsDir, { recursive: true, force: true });
});

function app(apiToken: string | null, withDashboard = true) {
  const state = ProjectionState.empty(null);
  [webhook(), queued()].forEach((e, i) => state.apply(e, i + 1));
  return buildApp({ readModel: state, logsDir, apiToken, ...(withDashboard ? { dashboard: { publicDir: dashboardDir(), vendor: vendorModules() } } : {}) });
}

test("dashboard - the page and its files answer without the token", async () => {
  const a = app(TOKEN);
  const page = await a.inject({ method: "GET", url: "/" });
  assert.is(page.statusCode, 200);
  assert.match(String(page.headers["content-type"]), /^text\/html/);
  assert.match(page.body, /<script type="module" src="\/assets\/app\.js">/);
  // Same origin only: nothing from a CDN can load, and the page holds no data of its own.
  assert.match(String(page.headers["content-security-policy"]), /default-src 'self'/);
  assert.match(String(page.headers["content-security-policy"]), /connect-src 'self'/);
  assert.not.ok(page.body.includes(TOKEN));
  for (const [url, type] of [
    ["/assets/app.js", /javascript/],
    ["/assets/styles.css", /text\/css/],
    ["/assets/views/build.js", /javascript/],
    ["/assets/vendor/ansi_up.js", /javascript/],
    ["/assets/vendor/eventsource-parser.js", /javascript/],
  ] as const) {
    const res = await a.inject({ method: "GET", url });
    assert.is(res.statusCode, 200, url);
    assert.match(String(res.headers["content-type"]), type, url);
    assert.is(res.headers["cache-control"], "no-cache", url);
  }
  assert.match((await a.inject({ method: "GET", url: "/assets/vendor/ansi_up.js" })).body, /export class AnsiUp/);
  assert.match((await a.inject({ method: "GET", url: "/assets/vendor/eventsource-parser.js" })).body, /createParser/);
  assert.is((await a.inject({ method: "HEAD", url: "/assets/app.js" })).statusCode, 200);
});

test("dashboard - the API still wants the token; the page routes open nothing else", async () => {
  const a = app(TOKEN);
  for (const url of ["/builds", "/repos", "/deliveries", "/builds/x/log", "/events/stream", "/index.html", "/assets"]) {
    assert.is((await a.inject({ method: "GET", url })).statusCode, 401, url);
  }
  assert.is((await a.inject({ method: "POST", url: "/" })).statusCode, 401, "only GET and HEAD of the page are open");
  assert.is((await a.inject({ method: "GET", url: "/builds", headers: AUTH })).statusCode, 200);
});

test("dashboard - nothing outside the page's folder is served", async () => {
  const a = app(TOKEN);
  for (const url of ["/assets/../package.json", "/assets/%2e%2e/package.json", "/assets/..%2f..%2fpackage.json", "/assets/vendor/../../src/index.ts", "/assets/nope.js", "/assets/vendor/other.js"]) {
    const res = await a.inject({ method: "GET", url });
    assert.ok(res.statusCode === 404 || res.statusCode === 403 || res.statusCode === 401, `${url}: ${res.statusCode}`);
    assert.not.ok(res.body.includes('"name": "@slipway/dashboard"'), url);
  }
});

test("dashboard - without the option there is no page (unit tests of the API stay as they were)", async () => {
  const a = app(null, false);
  assert.is((await a.inject({ method: "GET", url: "/" })).statusCode, 404);
  assert.is((await app(TOKEN, false).inject({ method: "GET", url: "/" })).statusCode, 401);
});

test("dashboard - a folder of its own is served as given", async () => {
  const dir = await mkdtemp(join(tmpdir(), "projector-public-"));
  try {
    await writeFile(join(dir, "index.html"), "<!doctype html><title>t</title>");
    await writeFile(join(dir, "a.js"), "export const a = 1;");
    const vendorFile = join(dir, "lib.mjs");
    await writeFile(vendorFile, "export const lib = 2;");
    const a = buildApp({ readModel: ProjectionState.empty(null), logsDir, apiToken: TOKEN, dashboard: { publicDir: dir, vendor: { "/assets/vendor/lib.js": vendorFile } } });
    assert.is((await a.inject({ method: "GET", url: "/" })).body, "<!doctype html><title>t</title>");
    assert.is((await a.inject({ method: "GET", url: "/assets/a.js" })).body, "export const a = 1;");
    assert.is((await a.inject({ method: "GET", url: "/assets/vendor/lib.js" })).body, "export const lib = 2;");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
