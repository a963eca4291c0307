import { execFileSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { githubNameProblem, pushRefProblem, refFormatProblem } from "../src/git-ref.js";

/** Refs around every rule of git-check-ref-format(1), valid and not. */
const REFS = [
  "refs/heads/main", "refs/heads/feature/x-1", "refs/tags/v1.0.0", "refs/heads/héllo", "refs/heads/a@b", "refs/heads/a.b",
  "refs/heads/a..b", "refs/heads/.a", "refs/heads/a/.b", "refs/heads/a.lock", "refs/heads/a.lock/b", "refs/heads/a.", "refs/heads/a/",
  "/refs/heads/a", "refs//heads/a", "refs/heads//a", "refs/heads/a b", "refs/heads/a\tb", "refs/heads/a\u0001b", "refs/heads/a\u007fb",
  "refs/heads/a~1", "refs/heads/a^", "refs/heads/a:b", "refs/heads/a?", "refs/heads/a*", "refs/heads/a[0]", "refs/heads/a\\b",
  "refs/heads/a@{1}", "@", "main", "refs/heads/@", "refs/heads/a.lockx", "refs/heads/x.lock.y", "refs/heads/-x", "refs/heads/ü/ß",
];

test("git refs - the function agrees with `git check-ref-format` on every rule", () => {
  for (const ref of REFS) {
    let gitSays: boolean;
    try {
      execFileSync("git", ["check-ref-format", ref], { stdio: "ignore" });
      gitSays = true;
    } catch {
      gitSays = false;
    }
    assert.is(refFormatProblem(ref) === null, gitSays, `${JSON.stringify(ref)}: git says ${gitSays ? "valid" : "invalid"}, the function says ${refFormatProblem(ref)}`);
  }
});

test("git refs - a push names a branch or a tag that git would create", () => {
  for (const ok of ["refs/heads/main", "refs/tags/v1", "refs/heads/release/1.2"]) assert.is(pushRefProblem(ok), null, ok);
  const bad: [string, RegExp][] = [
    ["main", /neither/],
    ["refs/remotes/origin/x", /neither/],
    ["refs/pull/1/head", /neither/],
    ["refs/heads/", /no branch/],
    ["refs/heads/-x", /starting with -/],
    ["refs/tags/--upload-pack=x", /starting with -/],
    ["refs/heads/@", /HEAD/],
    ["refs/heads/../../etc", /\.\./],
    ["refs/heads/a\nb", /control/],
  ];
  for (const [ref, why] of bad) assert.match(pushRefProblem(ref) ?? "", why, ref);
});

test("github names - letters, digits, . _ - up to 100, never . or ..", () => {
  for (const ok of ["fruty_docker-ci", "a.b", "A", "x".repeat(100), "..a"]) assert.is(githubNameProblem(ok), null, ok);
  for (const bad of ["", ".", "..", "a/b", "a b", "a*", "a>", "é", "x".repeat(101), "a\u0000", "-- x"]) assert.ok(githubNameProblem(bad), JSON.stringify(bad));
});

test.run();
