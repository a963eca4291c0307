import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "@slipway/events";
import { DEFAULT_CONCURRENCY, describeConfig, loadConfig, parseBuildArgs } from "../src/config.js";
import { registryHost } from "../src/image-ref.js";

test("config - defaults: local NATS, no registry credentials", () => {
  const c = loadConfig({});
  assert.is(c.natsUrl, "nats://127.0.0.1:4222");
  assert.is(c.registry, null);
  assert.match(c.builderName, new RegExp(`:${process.pid}$`));
  assert.ok(Object.isFrozen(c));
});

test("config - registry password from a file, never in the description", () => {
  const dir = mkdtempSync(join(tmpdir(), "builder-config-"));
  try {
    const file = join(dir, "pw");
    writeFileSync(file, "s3cret\n");
    const c = loadConfig({ SLIPWAY_REGISTRY_USER: "ci", SLIPWAY_REGISTRY_PASSWORD_FILE: file });
    assert.equal(c.registry, { username: "ci", password: "s3cret" });
    assert.not.match(JSON.stringify(describeConfig(c)), "s3cret");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const bad: [string, Record<string, string>, string][] = [
  ["a user without a password", { SLIPWAY_REGISTRY_USER: "ci" }, "SLIPWAY_REGISTRY_PASSWORD"],
  ["a password without a user", { SLIPWAY_REGISTRY_PASSWORD: "x" }, "SLIPWAY_REGISTRY_USER"],
  ["both password and password file", { SLIPWAY_REGISTRY_USER: "ci", SLIPWAY_REGISTRY_PASSWORD: "x", SLIPWAY_REGISTRY_PASSWORD_FILE: "/x" }, "SLIPWAY_REGISTRY_PASSWORD"],
];
for (const [name, env, variable] of bad) {
  test(`config - refuses ${name}, naming the variable`, () => {
    try {
      loadConfig(env);
      assert.unreachable("should throw");
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.match((err as Error).message, variable);
    }
  });
}

const hosts: [string, string][] = [
  ["127.0.0.1:5500/fruty_docker-ci_test", "127.0.0.1:5500"],
  ["localhost/x", "localhost"],
  ["registry.example.com/team/app", "registry.example.com"],
  ["team/app", "docker.io"],
  ["app", "docker.io"],
];
for (const [image, host] of hosts) {
  test(`image-ref - registry of ${image} is ${host}`, () => {
    assert.is(registryHost(image), host);
  });
}

test("config - fleet defaults: slots, a lease of at most 30 s, attempts, push retries, a log cap", () => {
  const c = loadConfig({});
  assert.is(c.concurrency, DEFAULT_CONCURRENCY);
  assert.is(c.ackWaitMs, 15_000);
  assert.is(c.maxAttempts, 3);
  assert.equal({ ...c.pushRetry }, { retries: 5, baseDelayMs: 500, maxDelayMs: 30_000 });
  assert.is(c.logMaxBytes, 100 * 1024 * 1024);
  assert.is(c.cacheFromPrevious, "auto");
  assert.is(loadConfig({ SLIPWAY_BUILD_CACHE_FROM_PREVIOUS: "false" }).cacheFromPrevious, false);
  assert.throws(() => loadConfig({ SLIPWAY_BUILD_ACK_WAIT_SECONDS: "60" }), /SLIPWAY_BUILD_ACK_WAIT_SECONDS.*1 to 30/);
  assert.throws(() => loadConfig({ SLIPWAY_BUILD_CONCURRENCY: "0" }), /SLIPWAY_BUILD_CONCURRENCY/);
  assert.throws(() => loadConfig({ SLIPWAY_BUILD_CACHE_FROM_PREVIOUS: "maybe" }), /expected true or false/);
});

test("config - build args: KEY=VALUE by comma or newline, values may hold '=', names are checked, values never described", () => {
  assert.equal(parseBuildArgs("A=1, B=x=y\nC="), { A: "1", B: "x=y", C: "" });
  assert.equal(parseBuildArgs(""), {});
  assert.throws(() => parseBuildArgs("1BAD=x"), /not a valid build-arg name/);
  const c = loadConfig({ SLIPWAY_BUILD_ARGS: "TOKEN=t0psecret" });
  assert.equal({ ...c.buildArgs }, { TOKEN: "t0psecret" });
  assert.not.match(JSON.stringify(describeConfig(c)), "t0psecret");
  assert.match(JSON.stringify(describeConfig(c)), "TOKEN");
});

test.run();
