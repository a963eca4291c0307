import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadConfig } from "../src/config.js";
import { whyIgnored } from "../src/filters.js";
import { parsePush, type ParsedPush } from "../src/push-payload.js";

function push(ref: string, extra: Record<string, unknown> = {}): ParsedPush {
  const parsed = parsePush({ ref, repository: { name: "app" }, head_commit: { id: "a".repeat(40), message: "fix" }, ...extra });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed;
}

test("filters - by default every branch and every tag builds", () => {
  const config = loadConfig({});
  for (const ref of ["refs/heads/main", "refs/heads/feature/deep/x", "refs/heads/v1.x_dots-ok", "refs/tags/v1.0.0"]) assert.is(whyIgnored(push(ref), config), null, ref);
});

test("filters - branch globs: * within a segment, ** across, ! excludes", () => {
  const config = loadConfig({ SLIPWAY_BRANCHES: "main, release/*, team/**, !team/wip/**" });
  for (const ok of ["main", "release/1.2", "team/a/b"]) assert.is(whyIgnored(push(`refs/heads/${ok}`), config), null, ok);
  for (const skipped of ["dev", "release/1/2", "team/wip/x", "mainline"]) {
    const why = whyIgnored(push(`refs/heads/${skipped}`), config);
    assert.is(why?.reason, "branch-filtered", skipped);
    assert.match(why?.message ?? "", `branch ${skipped} matches no glob of SLIPWAY_BRANCHES`);
  }
});

test("filters - tags: off entirely, or by glob", () => {
  assert.match(whyIgnored(push("refs/tags/v1"), loadConfig({ SLIPWAY_BUILD_TAGS: "false" }))?.message ?? "", /SLIPWAY_BUILD_TAGS=false/);
  const config = loadConfig({ SLIPWAY_TAGS: "v*" });
  assert.is(whyIgnored(push("refs/tags/v2.0"), config), null);
  assert.is(whyIgnored(push("refs/tags/nightly"), config)?.reason, "tag-filtered");
  // The branch filter does not apply to tags, nor the tag filter to branches.
  assert.is(whyIgnored(push("refs/tags/v3"), loadConfig({ SLIPWAY_BRANCHES: "main" })), null);
  assert.is(whyIgnored(push("refs/heads/dev"), config), null);
});

test("filters - [skip ci] and friends in the head commit's message, any case", () => {
  const config = loadConfig({});
  for (const message of ["docs only [skip ci]", "[CI SKIP] typo", "wip\n\n[no ci]"]) {
    assert.is(whyIgnored(push("refs/heads/main", { head_commit: { id: "a".repeat(40), message } }), config)?.reason, "skip-ci", message);
  }
  assert.is(whyIgnored(push("refs/heads/main", { head_commit: { id: "a".repeat(40), message: "skip ci please" } }), config), null);
});

test("filters - a deletion is ignored before any filter", () => {
  assert.is(whyIgnored(push("refs/heads/dev", { deleted: true }), loadConfig({ SLIPWAY_BRANCHES: "main" }))?.reason, "deleted");
});

test.run();
