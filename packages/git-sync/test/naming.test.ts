import { test } from "uvu";
import * as assert from "uvu/assert";
import { branchTag, imageNameFor, planImages, tagsFor } from "../src/naming.js";

const names: [string, string, string | null][] = [
  ["fruty_docker-ci", "Dockerfile", "fruty_docker-ci"],
  ["fruty_docker-ci", "Dockerfile_test", "fruty_docker-ci_test"],
  ["App", "Dockerfile.dev", "app.dev"],
  ["app", "Dockerfile.", "app"],
  ["app", "Dockerfile___x", "app-x"],
  ["app", "Dockerfile__x", "app__x"],
  ["app", "Dockerfile--x", "app--x"],
  ["app", "Dockerfile with space", "app-with-space"],
  [".github", "Dockerfile", "github"],
  ["---", "Dockerfile", null],
  ["ünï", "Dockerfile", "n"],
  ["üü", "Dockerfile", null],
];
for (const [repo, file, expected] of names) {
  test(`naming - ${repo} + ${file} -> ${expected ?? "refused"}`, () => {
    const r = imageNameFor(repo, file);
    if (expected === null) {
      assert.is(r.ok, false);
      if (!r.ok) assert.match(r.reason, /no valid image name/);
    } else {
      assert.equal(r, { ok: true, name: expected });
    }
  });
}

// SLIPWAY_IMAGE_OWNER_PREFIX: the owner, normalised like the repo part, as a first path component.
const prefixed: [string, string, string, string | null][] = [
  ["fruty", "fruty_docker-ci", "Dockerfile", "fruty/fruty_docker-ci"],
  ["Acme", "fruty_docker-ci", "Dockerfile_test", "acme/fruty_docker-ci_test"],
  ["My.Org", "App", "Dockerfile.dev", "my.org/app.dev"],
  ["a__b", "app", "Dockerfile", "a__b/app"],
  ["-x-", "app", "Dockerfile", "x/app"],
  ["a b", "app", "Dockerfile", "a-b/app"],
  ["üü", "app", "Dockerfile", null],
  ["acme", "---", "Dockerfile", null],
];
for (const [owner, repo, file, expected] of prefixed) {
  test(`naming - owner prefix ${owner} + ${repo} + ${file} -> ${expected ?? "refused"}`, () => {
    const r = imageNameFor(repo, file, owner);
    if (expected === null) assert.is(r.ok, false);
    else assert.equal(r, { ok: true, name: expected });
  });
}

test("naming - no owner prefix keeps the seed's name", () => {
  assert.equal(imageNameFor("fruty_docker-ci", "Dockerfile_test", null), { ok: true, name: "fruty_docker-ci_test" });
  assert.equal(planImages("app", ["Dockerfile"]).get("Dockerfile"), { ok: true, name: "app" });
});

test("naming - a refused owner names the owner and the setting", () => {
  const r = imageNameFor("app", "Dockerfile", "üü");
  assert.is(r.ok, false);
  if (!r.ok) assert.match(r.reason, /owner "üü".*SLIPWAY_IMAGE_OWNER_PREFIX/);
});

test("naming - the length limit counts the owner prefix", () => {
  const repo = "r".repeat(250);
  assert.is(imageNameFor(repo, "Dockerfile").ok, true);
  const r = imageNameFor(repo, "Dockerfile", "owner");
  assert.is(r.ok, false);
  if (!r.ok) assert.match(r.reason, /longer than 255/);
});

test("naming - planImages with an owner prefix names and deduplicates whole names", () => {
  const plan = planImages("App", ["Dockerfile", "Dockerfile.", "Dockerfile_test"], "Acme");
  assert.equal(plan.get("Dockerfile"), { ok: true, name: "acme/app" });
  assert.is(plan.get("Dockerfile.")?.ok, false);
  assert.equal(plan.get("Dockerfile_test"), { ok: true, name: "acme/app_test" });
});

test("naming - two Dockerfiles that normalise alike: the later is refused", () => {
  const plan = planImages("app", ["Dockerfile", "Dockerfile."]);
  assert.equal(plan.get("Dockerfile"), { ok: true, name: "app" });
  const second = plan.get("Dockerfile.");
  assert.is(second?.ok, false);
  if (second && !second.ok) assert.match(second.reason, /like Dockerfile/);
});

test("naming - tags: sha, build number, branch, latest on the default branch only", () => {
  const sha = "c".repeat(40);
  assert.equal(tagsFor(sha, 7, "master", "master"), [sha, "7", "master", "latest"]);
  assert.equal(tagsFor(sha, 7, "feature/x", "master"), [sha, "7", "feature-x"]);
  assert.equal(tagsFor(sha, 7, null, "master"), [sha, "7"]);
  assert.equal(tagsFor(sha, 8, "main", null), [sha, "8", "main"]);
  assert.equal(tagsFor(sha, 7, "12", "master"), [sha, "7", "branch-12"], "a numeric branch never takes build 12's tag");
  assert.equal(tagsFor(sha, 7, "d".repeat(40), "master"), [sha, "7", "branch-" + "d".repeat(40)]);
});

test("naming - branch tags follow the tag grammar", () => {
  assert.is(branchTag("release/1.0"), "release-1.0");
  assert.is(branchTag(".hidden"), "hidden");
  assert.is(branchTag("x".repeat(300))!.length, 128);
  assert.is(branchTag("/"), null);
  // Never the shape of an immutable tag: a branch called "7" must not overwrite build 7's image.
  assert.is(branchTag("7"), "branch-7");
  assert.is(branchTag("a".repeat(40)), "branch-" + "a".repeat(40));
  assert.is(branchTag("v7"), "v7");
  assert.is(branchTag("A".repeat(40)), "A".repeat(40), "upper case is no sha tag");
  for (const b of ["a/b c", "-x", "ü", "a..b"]) {
    const tag = branchTag(b);
    if (tag !== null) assert.match(tag, /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
  }
});

test.run();
