import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createGitFixture, withJetStream, type GitFixture } from "@slipway/test-kit";
import { MIRROR_REFSPECS } from "../src/mirror-health.js";
import { mirrorPath } from "../src/mirror.js";
import { INFO, startSyncRig, WARN, type SyncRig } from "./sync-rig.js";

const it = suite("mirror health");
const bus = withJetStream(it);
const ctx = {} as { git: GitFixture; outer: string; rig: SyncRig; mirror: string };

it.before(async () => {
  ctx.git = createGitFixture("app");
  // The mirrors live inside another repository's work tree (as .slipway/git-sync does in a
  // checkout): git must never reach it from a broken mirror.
  ctx.outer = mkdtempSync(join(tmpdir(), "slipway-outer-"));
  execFileSync("git", ["init", "--quiet", ctx.outer]);
  ctx.rig = await startSyncRig(bus, join(ctx.git.root, "{name}.git"), {}, join(ctx.outer, "data"));
  ctx.mirror = mirrorPath(ctx.rig.dataDir, "app");
});

it.after(async () => {
  for (const dir of [ctx.git?.root, ctx.outer]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const mirrorGit = (...args: string[]) => execFileSync("git", [`--git-dir=${ctx.mirror}`, ...args], { encoding: "utf8" });
const retried = (eventId: string) => ctx.rig.logs().filter((l) => l.msg === "handler failed, message will be redelivered" && l.id === eventId);
const brokenWarnings = () => ctx.rig.logs().filter((l) => l.msg === "mirror is broken; deleting it and cloning again");

it("mirror health - a repository that does not exist fails once, GIT_REPO_NOT_FOUND, in one log line without a stack", async () => {
  const id = await ctx.rig.send("gone-1", "nosuch");
  const failed = await ctx.rig.waitFor("gone-1", "RepoSyncFailed");
  assert.is(failed.data.code, "GIT_REPO_NOT_FOUND");
  assert.match(failed.data.message, /check the repository name and SLIPWAY_GIT_URL/);
  await new Promise((r) => setTimeout(r, 2_500));
  assert.is(retried(id).length, 0);
  const lines = ctx.rig.logs().filter((l) => l.deliveryId === "gone-1" || l.id === id);
  assert.equal(lines.map((l) => [l.level, l.msg, l.code]), [[WARN, "sync failed", "GIT_REPO_NOT_FOUND"]]);
  assert.not.match(ctx.rig.service.output(), /"stack"/);
});

it("mirror health - the first push clones the mirror", async () => {
  const tip = ctx.git.commit({ Dockerfile: "FROM scratch\n" });
  await ctx.rig.send("first", "app", tip);
  const queued = await ctx.rig.waitFor("first", "BuildQueued");
  assert.is(queued.data.sha, tip);
  assert.ok(existsSync(join(ctx.mirror, "HEAD")));
});

const originGit = (...args: string[]) => execFileSync("git", [`--git-dir=${ctx.git.bare}`, ...args], { encoding: "utf8" }).trim();
const mirrorRefs = () => mirrorGit("for-each-ref", "--format=%(refname)").trim().split("\n");
const hasObject = (sha: string) => spawnSync("git", [`--git-dir=${ctx.mirror}`, "cat-file", "-e", sha]).status === 0;

/** A pull request's ref on the origin, as GitHub serves one: a commit on no branch. */
function openPullRequest(n: number): string {
  const tip = originGit("rev-parse", "master");
  const sha = originGit("commit-tree", "-p", tip, "-m", `pull request ${n}`, `${tip}^{tree}`);
  originGit("update-ref", `refs/pull/${n}/head`, sha);
  return sha;
}

it("mirror health - only branches and tags are mirrored: a pull request's ref (GitHub's refs/pull/*) is neither fetched nor cloned", async () => {
  const pull = openPullRequest(7);
  originGit("tag", "v-mirror", "master");
  const check = (when: string) => {
    assert.ok(mirrorRefs().includes("refs/tags/v-mirror"), when);
    assert.ok(mirrorRefs().every((ref) => ref.startsWith("refs/heads/") || ref.startsWith("refs/tags/")), `${when}: ${mirrorRefs().join(" ")}`);
    assert.equal(mirrorGit("config", "--get-all", "remote.origin.fetch").trim().split("\n"), [...MIRROR_REFSPECS], when);
  };
  await ctx.rig.send("only-fetch", "app", ctx.git.commit({ "app.txt": "fetched\n" }));
  await ctx.rig.waitFor("only-fetch", "BuildQueued");
  check("after a fetch");
  // (A clone from a local path copies the whole object store, so only a fetch can show this.)
  assert.not.ok(hasObject(pull), "the pull request's commit was fetched");

  rmSync(ctx.mirror, { recursive: true });
  await ctx.rig.send("only-clone", "app", ctx.git.commit({ "app.txt": "cloned\n" }));
  await ctx.rig.waitFor("only-clone", "BuildQueued");
  check("after a clone");
  assert.is(mirrorGit("symbolic-ref", "HEAD").trim(), "refs/heads/master");
});

it("mirror health - a mirror of every ref (made by an older version) is cloned again with branches and tags only, logged once at info", async () => {
  const pull = openPullRequest(8);
  const warningsBefore = brokenWarnings().length;
  rmSync(ctx.mirror, { recursive: true });
  execFileSync("git", ["clone", "--quiet", "--mirror", ctx.git.bare, ctx.mirror]);
  assert.ok(hasObject(pull), "the older layout holds the pull request");

  await ctx.rig.send("older-layout", "app", ctx.git.commit({ "app.txt": "older layout\n" }));
  await ctx.rig.waitFor("older-layout", "BuildQueued");
  const lines = ctx.rig.logs().filter((l) => l.deliveryId === "older-layout" && /cloning it again/.test(l.msg));
  assert.equal(lines.map((l) => [l.level, l.msg]), [[INFO, "mirror fetches every ref of its origin (made by an older version): cloning it again with branches and tags only"]]);
  assert.is(brokenWarnings().length, warningsBefore);
  assert.not.ok(mirrorRefs().some((ref) => ref.startsWith("refs/pull/")), mirrorRefs().join(" "));
  assert.equal(mirrorGit("config", "--get-all", "remote.origin.fetch").trim().split("\n"), [...MIRROR_REFSPECS]);
});

/** Ways a mirror breaks: a kill mid-write, a full disk, a bad sector. */
const CORRUPTIONS: [string, () => void][] = [
  ["garbage in HEAD", () => writeFileSync(join(ctx.mirror, "HEAD"), "\0\0garbage\n")],
  ["objects/ deleted", () => rmSync(join(ctx.mirror, "objects"), { recursive: true })],
  ["config deleted", () => rmSync(join(ctx.mirror, "config"))],
  [
    "a pack cut short",
    () => {
      mirrorGit("repack", "-a", "-d", "-q");
      const pack = join(ctx.mirror, "objects", "pack", readdirSync(join(ctx.mirror, "objects", "pack")).find((f) => f.endsWith(".pack"))!);
      // A new file, not truncateSync: a local clone may share the pack's inode with the fixture.
      const head = readFileSync(pack).subarray(0, 100);
      rmSync(pack);
      writeFileSync(pack, head);
    },
  ],
  ["a ref lock left by a killed fetch", () => writeFileSync(join(ctx.mirror, "refs", "heads", "master.lock"), "")],
];

for (const [what, corrupt] of CORRUPTIONS) {
  it(`mirror health - ${what}: the mirror is cloned again and the build queued, in one attempt`, async () => {
    const warningsBefore = brokenWarnings().length;
    corrupt();
    const tip = ctx.git.commit({ "app.txt": `${what}\n` });
    const deliveryId = `broken-${what.replace(/\W+/g, "-")}`;
    const id = await ctx.rig.send(deliveryId, "app", tip);
    const updated = await ctx.rig.waitFor(deliveryId, "RepoUpdated");
    assert.is(updated.data.sha, tip);
    assert.is(updated.data.shaFromPayload, true);
    await ctx.rig.waitFor(deliveryId, "BuildQueued");
    assert.is(retried(id).length, 0);
    const warnings = brokenWarnings().slice(warningsBefore);
    assert.is(warnings.length, 1);
    assert.is(warnings[0]!.level, WARN);
    assert.is(warnings[0]!.deliveryId, deliveryId);
    mirrorGit("fsck", "--no-dangling");
  });
}

it("mirror health - a broken mirror never lets git act on a repository in a parent folder", () => {
  // A garbage HEAD once made `git remote set-url` (run in the mirror's folder) rewrite this one's origin.
  assert.not.match(readFileSync(join(ctx.outer, ".git", "config"), "utf8"), /remote/);
  assert.is(execFileSync("git", ["-C", ctx.outer, "for-each-ref"], { encoding: "utf8" }), "");
});

it("mirror health - clone folders left by dead processes are deleted, a live one's kept", async () => {
  const dead = spawnSync("true").pid!;
  const leftovers = [`${ctx.mirror}.tmp-${dead}`, `${ctx.mirror}.broken-${dead}`];
  const live = `${ctx.mirror}.tmp-${process.pid}`;
  for (const dir of [...leftovers, live]) {
    mkdirSync(join(dir, "objects"), { recursive: true });
    writeFileSync(join(dir, "HEAD"), "ref: refs/heads/master\n");
  }
  const tip = ctx.git.commit({ "app.txt": "after a crash\n" });
  await ctx.rig.send("sweep", "app", tip);
  await ctx.rig.waitFor("sweep", "BuildQueued");
  for (const dir of leftovers) assert.not.ok(existsSync(dir), dir);
  assert.ok(existsSync(live));
  rmSync(live, { recursive: true });
});

it.run();
