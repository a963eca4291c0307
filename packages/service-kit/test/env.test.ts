import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError, defaultStreamOptions } from "@slipway/events";
import { allowedRepos } from "../src/allow-list.js";
import { int, logLevel, secret, streamOptionsFrom } from "../src/env.js";

test("env - whole numbers in range, else an error naming the variable", () => {
  assert.is(int({ N: "7" }, "N", 1), 7);
  assert.is(int({}, "N", 1), 1);
  assert.throws(() => int({ N: "7.5" }, "N", 1), /N="7.5"/);
  assert.throws(() => int({ N: "-1" }, "N", 1), (e: unknown) => e instanceof ConfigError);
});

test("env - secrets from the variable or its _FILE, never both", () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-env-"));
  writeFileSync(join(dir, "s"), "from-file\n");
  assert.is(secret({ S: "direct" }, "S"), "direct");
  assert.is(secret({ S_FILE: join(dir, "s") }, "S"), "from-file");
  assert.is(secret({}, "S"), null);
  assert.throws(() => secret({ S: "a", S_FILE: join(dir, "s") }, "S"), /not both/);
  assert.throws(() => secret({ S_FILE: join(dir, "missing") }, "S"), /cannot read/);
});

test("env - stream limits: defaults, days, 0 = unlimited", () => {
  assert.equal(streamOptionsFrom({}), defaultStreamOptions());
  const o = streamOptionsFrom({ SLIPWAY_LOGS_MAX_AGE_DAYS: "2", SLIPWAY_LOGS_MAX_BYTES: "0", SLIPWAY_EVENTS_MAX_BYTES: "1000" });
  assert.is(o.logsMaxAgeMs, 2 * 24 * 3600 * 1000);
  assert.is(o.logsMaxBytes, -1);
  assert.is(o.eventsMaxBytes, 1000);
  assert.throws(() => streamOptionsFrom({ SLIPWAY_LOGS_MAX_AGE_DAYS: "soon" }), /SLIPWAY_LOGS_MAX_AGE_DAYS/);
});

test("env - stream replicas: 1 by default, 1-5 as JetStream allows", () => {
  assert.is(streamOptionsFrom({}).replicas, 1);
  assert.is(streamOptionsFrom({ SLIPWAY_STREAM_REPLICAS: "3" }).replicas, 3);
  assert.throws(() => streamOptionsFrom({ SLIPWAY_STREAM_REPLICAS: "0" }), /SLIPWAY_STREAM_REPLICAS/);
  assert.throws(() => streamOptionsFrom({ SLIPWAY_STREAM_REPLICAS: "7" }), /SLIPWAY_STREAM_REPLICAS/);
});

test("env - log level is checked", () => {
  assert.is(logLevel({}), "info");
  assert.is(logLevel({ SLIPWAY_LOG_LEVEL: "debug" }), "debug");
  assert.throws(() => logLevel({ SLIPWAY_LOG_LEVEL: "loud" }), /SLIPWAY_LOG_LEVEL/);
});

test("allow-list - globs over owner/name or name, * within one segment", () => {
  const list = allowedRepos({ SLIPWAY_ALLOWED_REPOS: "acme/*, fruty_*" })!;
  assert.ok(list.allows({ key: "acme/app", name: "app" }));
  assert.ok(list.allows({ key: "fruty_docker-ci", name: "fruty_docker-ci" }));
  assert.ok(list.allows({ key: "someone/fruty_x", name: "fruty_x" }));
  assert.not.ok(list.allows({ key: "evil/app", name: "app" }));
  assert.not.ok(list.allows({ key: "acmex/app", name: "app" }));
  assert.is(allowedRepos({}), null);
  assert.is(allowedRepos({ SLIPWAY_ALLOWED_REPOS: " " }), null);
});

test.run();
