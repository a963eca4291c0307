import { test } from "uvu";
import * as assert from "uvu/assert";
import { imageLabels } from "../src/image-labels.js";
import { queuedBuild } from "./fixtures.js";

test("image labels - revision, source, created and version from the build", () => {
  const q = queuedBuild("b1", { image: "127.0.0.1:5500/app", contextObject: "x", buildNumber: 7, source: "https://github.com/acme/app.git" });
  const labels = imageLabels(q, new Date("2026-01-02T03:04:05.000Z"));
  assert.is(labels["org.opencontainers.image.revision"], q.sha);
  assert.is(labels["org.opencontainers.image.source"], "https://github.com/acme/app.git");
  assert.is(labels["org.opencontainers.image.created"], "2026-01-02T03:04:05.000Z");
  assert.is(labels["org.opencontainers.image.version"], "7");
  assert.is(labels["dev.slipway.build-id"], "b1");
});

test("image labels - without a recorded source, the repository's name stands in", () => {
  const q = queuedBuild("b2", { image: "127.0.0.1:5500/app", contextObject: "x" });
  assert.is(imageLabels(q)["org.opencontainers.image.source"], q.repo.key);
});

test.run();
