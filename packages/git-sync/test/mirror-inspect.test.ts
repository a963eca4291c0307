import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { inspectMirror, MIRROR_REFSPECS } from "../src/mirror-health.js";
import { GitCommandError } from "../src/run-git.js";

// inspectMirror reads the mirror's origin settings with one `git config --get-regexp`; here git
// answers as it would for each config, so the reading of its output is what is tested.
const dir = mkdtempSync(join(tmpdir(), "slipway-inspect-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A git that lists one ref and answers `config` with `origin` (null: exit 1, nothing set). */
const gitWith = (origin: string | null) => async (args: string[]) => {
  if (args[0] === "for-each-ref") return "commit\n";
  if (origin === null) throw new GitCommandError("config", "", 1, false);
  return origin;
};

const FETCHES = MIRROR_REFSPECS.map((spec) => `remote.origin.fetch ${spec}\n`).join("");

test("inspect mirror - a mirror's origin: whole, with its URL, fetching branches and tags", async () => {
  const state = await inspectMirror(dir, gitWith(`remote.origin.url file:///srv/git/my app.git\nremote.origin.mirror true\n${FETCHES}`));
  assert.equal(state, { problem: null, originUrl: "file:///srv/git/my app.git", branchesAndTagsOnly: true });
});

test("inspect mirror - a mirror fetching every ref (`clone --mirror`), or more or fewer than branches and tags, is not branches and tags only", async () => {
  const olderLayouts = [
    "remote.origin.fetch +refs/*:refs/*\n",
    `${FETCHES}remote.origin.fetch +refs/pull/*:refs/pull/*\n`,
    `remote.origin.fetch ${MIRROR_REFSPECS[0]}\n`,
    "",
  ];
  for (const fetches of olderLayouts) {
    const state = await inspectMirror(dir, gitWith(`remote.origin.url u\nremote.origin.mirror true\n${fetches}`));
    assert.equal(state, { problem: null, originUrl: "u", branchesAndTagsOnly: false }, fetches);
  }
  // The order they are listed in does not matter.
  const reversed = [...MIRROR_REFSPECS].reverse().map((spec) => `remote.origin.fetch ${spec}\n`).join("");
  assert.equal(await inspectMirror(dir, gitWith(`remote.origin.mirror true\n${reversed}`)), { problem: null, originUrl: "", branchesAndTagsOnly: true });
});

test("inspect mirror - git's other spellings of true count; false, 0 or no setting is no mirror", async () => {
  for (const value of ["yes", "On", "1", "TRUE"]) {
    const state = await inspectMirror(dir, gitWith(`remote.origin.url u\nremote.origin.mirror ${value}\n`));
    assert.is(state.problem, null, value);
  }
  // A key written without `= value` is true; git lists it alone.
  assert.is((await inspectMirror(dir, gitWith("remote.origin.mirror\nremote.origin.url u\n"))).problem, null, "the key alone");
  for (const origin of ["remote.origin.url u\nremote.origin.mirror false\n", "remote.origin.url u\nremote.origin.mirror 0\n", "remote.origin.url u\n", null]) {
    assert.equal(await inspectMirror(dir, gitWith(origin)), { problem: "its config has no mirror remote" }, String(origin));
  }
});

test("inspect mirror - a git command that fails otherwise, or no folder, is the problem", async () => {
  const broken = async (args: string[]) => {
    if (args[0] === "for-each-ref") throw new GitCommandError("for-each-ref", "fatal: not a git repository: '/x'", 128, false);
    return "remote.origin.mirror true\n";
  };
  assert.ok((await inspectMirror(dir, broken)).problem);
  assert.equal(await inspectMirror(join(dir, "missing"), gitWith("remote.origin.mirror true\n")), { problem: "not a directory" });
});

test.run();
