import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { archiveCommitViaFile, removeArchiveLeftovers } from "../src/archive-file.js";

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

async function collect(source: AsyncIterable<Buffer>, copy: boolean): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of source) parts.push(copy ? Buffer.from(piece) : piece);
  return Buffer.concat(parts);
}

test("archive file - the same bytes as git archive's own output, in reads of the size asked, and the file is gone after", async () => {
  const root = mkdtempSync(join(tmpdir(), "slipway-archive-"));
  try {
    const { git, sha } = repoWith(root, { "Dockerfile": Buffer.from("FROM scratch\n"), "big.bin": Buffer.alloc(3_000_000, 7), "small.txt": Buffer.from("hi\n") });
    const expected = execFileSync("git", [`--git-dir=${git}`, "archive", "--format=tar", sha], { maxBuffer: 64 * 1024 * 1024 });
    const tmp = join(root, "tmp");
    // A reused buffer must be copied by the consumer before it asks for the next piece.
    assert.ok((await collect(archiveCommitViaFile(git, sha, tmp, { readBytes: 1 << 20, reuseBuffer: true }), true)).equals(expected));
    const pieces: number[] = [];
    const fresh: Buffer[] = [];
    for await (const piece of archiveCommitViaFile(git, sha, tmp, { readBytes: 1 << 20, reuseBuffer: false })) {
      pieces.push(piece.length);
      fresh.push(piece);
    }
    assert.ok(Buffer.concat(fresh).equals(expected), "fresh buffers kept as they were handed out");
    assert.ok(pieces.every((n) => n <= 1 << 20));
    assert.equal(readdirSync(tmp), [], "no archive file left");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("archive file - stopping early stops git and deletes the file", async () => {
  const root = mkdtempSync(join(tmpdir(), "slipway-archive-"));
  try {
    const { git, sha } = repoWith(root, { "big.bin": Buffer.alloc(8_000_000, 1) });
    const tmp = join(root, "tmp");
    for await (const piece of archiveCommitViaFile(git, sha, tmp, { readBytes: 65536, reuseBuffer: true })) {
      assert.ok(piece.length > 0);
      break;
    }
    assert.equal(readdirSync(tmp), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
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
