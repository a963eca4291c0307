/**
 * Generated git history for the git-sync bench: bare repos written with `git fast-import` (one
 * stream, no work tree, no checkout), so that 10,000 commits and ~100 MB of files take seconds.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Writable } from "node:stream";

/** The shape of a generated repository. */
export type RepoShape = {
  commits: number;
  /** Size of the final tree (the `git archive` of the tip), bytes, roughly. */
  bytes: number;
  /**
   * Large incompressible files (random bytes), holding 95 % of `bytes`; each is added once, the
   * additions spread evenly over the history. Default: one per 512 KB.
   */
  largeFiles?: number;
  /** Small text files (`src/dNN/fNNN.txt`, 50 per folder), the other 5 %; all in the first commit. */
  smallFiles?: number;
  /** Small files each later commit rewrites (same length, new content). Default 3. */
  changesPerCommit?: number;
};

export type GeneratedRepo = { name: string; bare: string; url: string; sha: string; files: number; treeBytes: number };

/** The Dockerfile every generated repo has at its root (nothing builds it here). */
export const GENERATED_DOCKERFILE = "FROM scratch\nCOPY . /src\n";

const AUTHOR = "slipway bench <bench@slipway.invalid>";
/** Commit times start here and step a minute per commit: the same shape gives the same layout. */
const EPOCH = 1_700_000_000;

const git = (args: string[], cwd?: string) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/** `git fast-import` into `bare`; resolves once it exited 0 (or rejects with its stderr). */
async function fastImport(bare: string, write: (out: Writable) => Promise<void>): Promise<void> {
  const child = spawn("git", [`--git-dir=${bare}`, "fast-import", "--quiet", "--done"], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited with ${code}: ${stderr.trim()}`))));
  });
  try {
    await write(child.stdin);
    child.stdin.end("done\n");
  } catch (err) {
    child.kill();
    throw err;
  }
  await exited;
}

/** A stream writer that honours backpressure. */
function writer(out: Writable): (chunk: string | Buffer) => Promise<void> {
  return (chunk) =>
    out.write(chunk)
      ? Promise.resolve()
      : new Promise((resolve, reject) => {
          const done = (err?: Error) => {
            out.off("drain", done);
            out.off("error", done);
            if (err) reject(err);
            else resolve();
          };
          out.once("drain", done);
          out.once("error", done);
        });
}

/** `M 100644 inline <path>` with its data. */
function inlineFile(path: string, content: Buffer): Buffer[] {
  return [Buffer.from(`M 100644 inline ${path}\ndata ${content.length}\n`), content, Buffer.from("\n")];
}

function commitHeader(ref: string, seq: number, message: string, from: string | null): string {
  const msg = Buffer.from(message);
  return `commit ${ref}\ncommitter ${AUTHOR} ${EPOCH + seq * 60} +0000\ndata ${msg.length}\n${message}\n${from ? `from ${from}\n` : ""}`;
}

/** Text of a small file: numbered lines of hex, exactly `size` bytes. */
function smallText(size: number, seed: string): Buffer {
  const line = (i: number) => `${seed} ${String(i).padStart(6, "0")} ${randomBytes(24).toString("hex")}\n`;
  let text = "";
  for (let i = 0; text.length < size; i++) text += line(i);
  return Buffer.from(text.slice(0, Math.max(1, size - 1)) + "\n");
}

const smallPath = (i: number) => `src/d${String(Math.floor(i / 50)).padStart(3, "0")}/f${String(i).padStart(5, "0")}.txt`;
const largePath = (i: number) => `assets/blob-${String(i).padStart(4, "0")}.bin`;

/**
 * A bare repo `<gitRoot>/<name>.git` on `master` with `shape.commits` commits: the first adds the
 * Dockerfile and every small file, each later one rewrites a few small files, and the large files
 * arrive one by one along the way. Returns the tip and its clone URL (`file://`, see `fileUrl`).
 */
export async function generateRepo(gitRoot: string, name: string, shape: RepoShape): Promise<GeneratedRepo> {
  const bare = join(gitRoot, `${name}.git`);
  git(["init", "--quiet", "--bare", "--initial-branch=master", bare]);
  const commits = Math.max(1, Math.round(shape.commits));
  const largeFiles = Math.max(0, Math.round(shape.largeFiles ?? Math.max(1, shape.bytes / (512 * 1024))));
  const smallFiles = Math.max(1, Math.round(shape.smallFiles ?? Math.min(2000, Math.max(20, commits / 5))));
  const changes = Math.max(1, Math.min(smallFiles, shape.changesPerCommit ?? 3));
  const largeSize = largeFiles > 0 ? Math.floor((shape.bytes * 0.95) / largeFiles) : 0;
  const smallSize = Math.max(64, Math.floor((shape.bytes - largeSize * largeFiles) / smallFiles));
  // Commit index at which large file k arrives: spread over the history, the last at the tip.
  const largeAt = new Map<number, number[]>();
  for (let k = 0; k < largeFiles; k++) {
    const at = largeFiles === 1 ? commits - 1 : Math.round((k * (commits - 1)) / (largeFiles - 1));
    largeAt.set(at, [...(largeAt.get(at) ?? []), k]);
  }
  await fastImport(bare, async (out) => {
    const put = writer(out);
    for (let c = 0; c < commits; c++) {
      const parts: Buffer[] = [Buffer.from(commitHeader("refs/heads/master", c, `bench commit ${c}`, null))];
      if (c === 0) {
        parts.push(...inlineFile("Dockerfile", Buffer.from(GENERATED_DOCKERFILE)));
        for (let i = 0; i < smallFiles; i++) parts.push(...inlineFile(smallPath(i), smallText(smallSize, `c0f${i}`)));
      } else {
        for (let j = 0; j < changes; j++) {
          const i = (c * 7919 + j * 104_729) % smallFiles;
          parts.push(...inlineFile(smallPath(i), smallText(smallSize, `c${c}f${i}`)));
        }
      }
      for (const k of largeAt.get(c) ?? []) parts.push(...inlineFile(largePath(k), randomBytes(largeSize)));
      parts.push(Buffer.from("\n"));
      for (const p of parts) await put(p);
    }
  });
  // As a server's repo would be after its gc: one pack, deltas found, bitmaps for clones.
  git(["--git-dir", bare, "repack", "-a", "-d", "-q", "--write-bitmap-index"]);
  const sha = git(["--git-dir", bare, "rev-parse", "refs/heads/master"]);
  return { name, bare, url: fileUrl(bare), sha, files: 1 + smallFiles + largeFiles, treeBytes: GENERATED_DOCKERFILE.length + smallFiles * smallSize + largeFiles * largeSize };
}

/**
 * One more commit on `master` (a push): rewrites one small file, `push.txt`. Returns the new tip.
 * `seq` orders commit times after the generated history.
 */
export async function appendCommit(bare: string, seq: number, content: string): Promise<string> {
  await fastImport(bare, async (out) => {
    const put = writer(out);
    await put(commitHeader("refs/heads/master", 1_000_000 + seq, `bench push ${seq}`, "refs/heads/master^0"));
    for (const p of inlineFile("push.txt", Buffer.from(content))) await put(p);
    await put("\n");
  });
  return git(["--git-dir", bare, "rev-parse", "refs/heads/master"]);
}

/**
 * The `file://` URL of a bare repo. A plain path would let `git clone` hardlink the objects (no
 * transfer, no index-pack): `file://` makes the first clone do what a clone from a server does.
 */
export function fileUrl(bare: string): string {
  return `file://${bare}`;
}
