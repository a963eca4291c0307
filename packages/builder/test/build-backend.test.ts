import { test } from "uvu";
import * as assert from "uvu/assert";
import { engineHasBuildKit, parseBackendSetting } from "../src/build-backend.js";

test("build backend - BuildKit from API 1.39 on Linux engines", () => {
  assert.ok(engineHasBuildKit({ ApiVersion: "1.41", Os: "linux" }));
  assert.ok(engineHasBuildKit({ ApiVersion: "1.39", Os: "linux" }));
  assert.not.ok(engineHasBuildKit({ ApiVersion: "1.38", Os: "linux" }));
  assert.not.ok(engineHasBuildKit({ ApiVersion: "1.41", Os: "windows" }));
  assert.ok(engineHasBuildKit({ ApiVersion: "1.100", Os: "linux" }), "numbers, not strings");
});

test("build backend - the setting is one of auto, buildkit, legacy", () => {
  assert.is(parseBackendSetting("legacy"), "legacy");
  assert.throws(() => parseBackendSetting("kaniko"), /SLIPWAY_BUILDER_BACKEND.*auto, buildkit, legacy/);
});

test.run();
