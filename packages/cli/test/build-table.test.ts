import type { BuildSummary } from "@slipway/projector";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildTable } from "../src/output/build-table.js";
import { palette } from "../src/output/color.js";

const NOW = Date.parse("2026-11-26T12:00:00Z");

function build(fields: Partial<BuildSummary>): BuildSummary {
  return {
    id: "b3f9a0c1d2e4f567",
    status: "succeeded",
    repo: "acme/shop",
    repoName: "shop",
    dockerfile: "Dockerfile_test",
    image: "127.0.0.1:5500/shop_test",
    tags: [],
    digest: null,
    imageId: null,
    sha: "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
    branch: "main",
    buildNumber: 12,
    deliveryId: "d-1",
    error: null,
    queuedAt: "2026-11-26T11:57:00Z",
    startedAt: "2026-11-26T11:57:01Z",
    finishedAt: "2026-11-26T11:58:06Z",
    durationMs: 65_000,
    attempts: 1,
    ...fields,
  };
}

test("build table - one aligned row per build: id, status, repo, branch, short sha, Dockerfile -> image, duration, age", () => {
  const out = buildTable(
    [build({}), build({ id: "r0c47d2e9a1b3f58", status: "running", branch: null, durationMs: null, finishedAt: null, startedAt: "2026-11-26T11:59:48Z", queuedAt: "2026-11-26T11:59:47Z" })],
    NOW,
    palette(false),
  );
  const lines = out.trimEnd().split("\n");
  assert.is(lines.length, 3);
  assert.match(lines[0]!, /^ID\s+STATUS\s+REPO\s+BRANCH\s+SHA\s+DOCKERFILE -> IMAGE\s+DURATION\s+QUEUED$/);
  assert.match(lines[1]!, /^b3f9a0c1d2e4f567\s+succeeded\s+acme\/shop\s+main\s+1a2b3c4\s+Dockerfile_test -> 127\.0\.0\.1:5500\/shop_test\s+1 min 05 s\s+3 min ago$/);
  assert.match(lines[2]!, /^r0c47d2e9a1b3f58\s+running\s+acme\/shop\s+-\s+1a2b3c4\s+.*\s+12\.0 s\+\s+13 s ago$/);
  const statusAt = lines[0]!.indexOf("STATUS");
  assert.is(lines[1]!.indexOf("succeeded"), statusAt, "columns line up");
  assert.is(lines[2]!.indexOf("running"), statusAt);
});

test("build table - a failure seen before its queueing has no repo yet: shown as ?", () => {
  const out = buildTable([build({ repo: "", dockerfile: "", image: "", sha: "", status: "failed", durationMs: null })], NOW, palette(false));
  assert.match(out, /failed\s+\?\s+main\s+-\s+\? -> \?\s+-/);
});

test.run();
