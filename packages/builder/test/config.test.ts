import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "@slipway/events";
import { describeConfig, loadConfig } from "../src/config.js";
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

test.run();
