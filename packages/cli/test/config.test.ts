import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { callerName, loadConfig } from "../src/config.js";
import { UsageError } from "../src/errors.js";

test("config - defaults like the services', and the port variable", () => {
  const c = loadConfig({}, {}, false);
  assert.is(c.projectorUrl, "http://127.0.0.1:5000");
  assert.is(c.natsUrl, "nats://127.0.0.1:4222");
  assert.is(c.ingressUrl, "http://127.0.0.1:6000");
  assert.is(c.token(), null);
  assert.is(loadConfig({ SLIPWAY_PROJECTOR_PORT: "5100" }, {}, false).projectorUrl, "http://127.0.0.1:5100");
});

test("config - options win over the environment; trailing slashes go", () => {
  const env = { SLIPWAY_PROJECTOR_URL: "http://ci.example.com:5000/", SLIPWAY_NATS_URL: "nats://ci:4222" };
  assert.is(loadConfig(env, {}, false).projectorUrl, "http://ci.example.com:5000");
  const c = loadConfig(env, { url: "http://other:5001//", nats: "nats://other:4222" }, false);
  assert.is(c.projectorUrl, "http://other:5001");
  assert.is(c.natsUrl, "nats://other:4222");
});

test("config - a URL that is none is a usage error naming where it came from", () => {
  assert.throws(() => loadConfig({}, { url: "5000" }, false), (e: Error) => e instanceof UsageError && e.message.startsWith("--url:"));
  assert.throws(() => loadConfig({ SLIPWAY_PROJECTOR_URL: "ftp://x" }, {}, false), (e: Error) => e instanceof UsageError && e.message.startsWith("SLIPWAY_PROJECTOR_URL:"));
});

test("config - colours only on a terminal, without NO_COLOR, and never with --json", () => {
  assert.ok(loadConfig({}, {}, true).color);
  assert.not.ok(loadConfig({}, {}, false).color);
  assert.not.ok(loadConfig({ NO_COLOR: "1" }, {}, true).color);
  assert.ok(loadConfig({ NO_COLOR: "" }, {}, true).color, "an empty NO_COLOR does not count (no-color.org)");
  assert.not.ok(loadConfig({}, { json: true }, true).color);
});

test("config - the token from SLIPWAY_API_TOKEN or its file, read only when asked; a bad file is a usage error", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cli-config-"));
  try {
    assert.is(loadConfig({ SLIPWAY_API_TOKEN: "t0k" }, {}, false).token(), "t0k");
    await writeFile(join(dir, "token"), "from-file\n");
    assert.is(loadConfig({ SLIPWAY_API_TOKEN_FILE: join(dir, "token") }, {}, false).token(), "from-file");
    const broken = loadConfig({ SLIPWAY_API_TOKEN_FILE: join(dir, "missing") }, {}, false);
    assert.throws(() => broken.token(), (e: Error) => e instanceof UsageError && /SLIPWAY_API_TOKEN_FILE/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("config - the caller's name for X-Slipway-User: SLIPWAY_USER, else the login, only when ingress would take it", () => {
  assert.is(callerName({ SLIPWAY_USER: "alice@example.com" }, () => "root"), "alice@example.com");
  assert.is(callerName({}, () => "bob"), "bob");
  assert.is(callerName({ SLIPWAY_USER: "" }, () => "bob"), "bob");
  assert.is(callerName({ SLIPWAY_USER: "Jane Doe" }, () => "bob"), null, "a space: not sent");
  assert.is(callerName({ SLIPWAY_USER: "x".repeat(101) }, () => "bob"), null);
  assert.is(
    callerName({}, () => {
      throw new Error("no passwd entry");
    }),
    null,
  );
});

test.run();
