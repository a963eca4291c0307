import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { openArchiveFile, removeArchiveLeftovers } from "../src/archive-file.js";

/** A bare repo with one commit of `files` (name -> bytes); returns it and the commit's sha. */
function repoWith(root: string, files: Record<string, Buffer>): { git: string; sha: string } {
  const work = join(root, "work");
  mkdirSync(work);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(work, name), body);
  const run = (...args: string[]) => execFileSync("git", args, { cwd: work, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z", GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z" } }).trim();
  run("init", "--quiet");
  run("add", ".");
  run("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "files");
  return { git: join(work, ".git"), sha: run("rev-parse", "HEAD") };
}

test("archive file - filled into the caller's buffers, the same bytes as git archive's own output; short only at the end; the file is gone after", async () => {
  const root = mkdtempSync(join(tmpdir(), "slipway-archive-"));
  try {
    const { git, sha } = repoWith(root, { "Dockerfile": Buffer.from("FROM scratch\n"), "big.bin": Buffer.alloc(3_000_000, 7), "small.txt": Buffer.from("hi\n") });
    const expected = execFileSync("git", [`--git-dir=${git}`, "archive", "--format=tar", sha], { maxBuffer: 64 * 1024 * 1024 });
    const tmp = join(root, "tmp");
    const archive = await openArchiveFile(git, sha, tmp);
    const fills: number[] = [];
    const parts: Buffer[] = [];
    // One buffer for every fill: what the caller copies out between fills is all it gets.
    const buffer = Buffer.alloc(1 << 20);
    for (let n = await archive.fill(buffer); n > 0; n = await archive.fill(buffer)) {
      fills.push(n);
      parts.push(Buffer.from(buffer.subarray(0, n)));
    }
    assert.is(await archive.fill(buffer), 0, "nothing after the end");
    await archive.close();
    assert.ok(Buffer.concat(parts).equals(expected));
    assert.ok(fills.slice(0, -1).every((n) => n === 1 << 20), `full buffers until the last: ${fills.join(", ")}`);
    assert.equal(readdirSync(tmp), [], "no archive file left");

    // A skip moves past bytes without reading them, whether git wrote them yet or not.
    const skipping = await openArchiveFile(git, sha, tmp);
    const head = Buffer.alloc(512);
    assert.is(await skipping.fill(head), 512);
    skipping.skip(2_000_000);
    const rest = Buffer.alloc(expected.length);
    const n = await skipping.fill(rest);
    await skipping.close();
    assert.ok(head.equals(expected.subarray(0, 512)));
    assert.ok(rest.subarray(0, n).equals(expected.subarray(512 + 2_000_000)), "the bytes after the skip");
    assert.equal(readdirSync(tmp), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("archive file - stopping early stops git and deletes the file", async () => {
  const root = mkdtempSync(join(tmpdir(), "slipway-archive-"));
  try {
    const { git, sha } = repoWith(root, { "big.bin": Buffer.alloc(8_000_000, 1) });
    const tmp = join(root, "tmp");
    const archive = await openArchiveFile(git, sha, tmp);
    assert.is(await archive.fill(Buffer.alloc(1000)), 1000);
    await archive.close();
    assert.equal(readdirSync(tmp), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("archive file - a failing git archive is an error with git's words, never a short tar", async () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-archive-"));
  try {
    execFileSync("git", ["init", "--quiet", "--bare", dir]);
    const archive = await openArchiveFile(dir, "0".repeat(40), join(dir, "tmp"));
    const err = await archive.fill(Buffer.alloc(512)).catch((e: unknown) => e);
    await archive.close();
    assert.instance(err, Error);
    assert.match((err as Error).message, /^git archive exited with 128: fatal: not a tree object: 0{40}$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("archive file - at start, leftovers of a dead process and of our own pid are removed; a live process's and other files stay", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "slipway-archive-"));
  try {
    const name = (pid: number) => join(tmp, `archive-${pid}-0e0e0e0e-1111-2222-3333-444444444444.tar`);
    // A pid far above Linux's pid_max is never alive; our parent is.
    const dead = name(99999999);
    const ours = name(process.pid);
    const live = name(process.ppid);
    const foreign = join(tmp, "notes.txt");
    for (const f of [dead, ours, live, foreign]) writeFileSync(f, "x");
    assert.is(await removeArchiveLeftovers(tmp), 2);
    assert.not.ok(existsSync(dead));
    assert.not.ok(existsSync(ours), "a restarted process may have the killed one's pid");
    assert.ok(existsSync(live) && existsSync(foreign));
    assert.is(await removeArchiveLeftovers(join(tmp, "missing")), 0, "no folder yet: nothing to do");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
