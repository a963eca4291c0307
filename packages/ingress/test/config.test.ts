import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadConfig } from "../src/config.js";

const withFile = (content: string, run: (path: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), "ingress-config-"));
  try {
    const path = join(dir, "secret");
    writeFileSync(path, content);
    run(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test("config - without a secret ingress listens on loopback; with one, on every address", () => {
  assert.is(loadConfig({}).host, "127.0.0.1");
  assert.is(loadConfig({ SLIPWAY_WEBHOOK_SECRET: "s" }).host, "0.0.0.0");
  assert.is(loadConfig({ SLIPWAY_INGRESS_HOST: "::1" }).host, "::1");
});

test("config - another address without a secret needs the setting that says it is insecure", () => {
  assert.throws(() => loadConfig({ SLIPWAY_INGRESS_HOST: "0.0.0.0" }), /SLIPWAY_INGRESS_INSECURE_NO_SECRET/);
  assert.throws(() => loadConfig({ SLIPWAY_INGRESS_HOST: "10.0.0.5" }), /without SLIPWAY_WEBHOOK_SECRET/);
  assert.is(loadConfig({ SLIPWAY_INGRESS_HOST: "0.0.0.0", SLIPWAY_INGRESS_INSECURE_NO_SECRET: "true" }).host, "0.0.0.0");
});

test("config - an empty or unreadable secret file stops the start", () => {
  withFile("", (path) => assert.throws(() => loadConfig({ SLIPWAY_WEBHOOK_SECRET_FILE: path }), /empty/));
  withFile("\n", (path) => assert.throws(() => loadConfig({ SLIPWAY_WEBHOOK_SECRET_FILE: path }), /empty/));
  assert.throws(() => loadConfig({ SLIPWAY_WEBHOOK_SECRET_FILE: "/nonexistent/secret" }), /cannot read/);
  withFile("", (path) => assert.throws(() => loadConfig({ SLIPWAY_API_TOKEN_FILE: path }), /SLIPWAY_API_TOKEN_FILE.*empty/));
});

test("config - several secrets, one per line, for rotation", () => {
  withFile("new-secret\nold-secret\n", (path) => assert.equal(loadConfig({ SLIPWAY_WEBHOOK_SECRET_FILE: path }).webhookSecrets, ["new-secret", "old-secret"]));
  assert.equal(loadConfig({ SLIPWAY_WEBHOOK_SECRET: "one" }).webhookSecrets, ["one"]);
  assert.equal(loadConfig({}).webhookSecrets, []);
});

test("config - filters, limits and timeouts are checked", () => {
  assert.throws(() => loadConfig({ SLIPWAY_BRANCHES: "!main" }), /SLIPWAY_BRANCHES/);
  assert.throws(() => loadConfig({ SLIPWAY_BUILD_TAGS: "maybe" }), /SLIPWAY_BUILD_TAGS/);
  assert.throws(() => loadConfig({ SLIPWAY_INGRESS_BODY_LIMIT_BYTES: "2048", SLIPWAY_INGRESS_BODIES_IN_FLIGHT_BYTES: "1024" }), /BODIES_IN_FLIGHT/);
  assert.throws(() => loadConfig({ SLIPWAY_INGRESS_HEADERS_TIMEOUT_MS: "5000", SLIPWAY_INGRESS_REQUEST_TIMEOUT_MS: "1000" }), /HEADERS_TIMEOUT/);
  const c = loadConfig({});
  assert.is(c.bodyLimitBytes, 25 * 1024 * 1024);
  assert.is(c.bodiesInFlightBytes, 4 * c.bodyLimitBytes);
});

test.run();
