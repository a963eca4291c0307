import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { mkdir, open, readdir, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { processAlive } from "./mirror-leftovers.js";
import { commandOutcome } from "./tar-sources.js";

const LEFTOVER = /^archive-(\d+)-[0-9a-f-]+\.tar$/;
/**
 * The repository's own files, whatever this host's git config says: no eol conversion, no
 * attributes from a user's global file (the tree's `.gitattributes` still apply). A context made
 * from the tree listing (tree-context.ts) has the same bytes. In the environment, as run-git.ts
 * passes config.
 */
const PINNED_CONFIG = { GIT_CONFIG_COUNT: "2", GIT_CONFIG_KEY_0: "core.autocrlf", GIT_CONFIG_VALUE_0: "false", GIT_CONFIG_KEY_1: "core.attributesFile", GIT_CONFIG_VALUE_1: "/dev/null" };
/** How long the reader waits before it looks again for bytes git has not written yet. */
const POLL_MS = 1;

/** `git archive` of a commit being written to a file, read as it grows. */
export type ArchiveFile = {
  /**
   * Reads the next bytes of the tar into `into`, waiting for git until `into` is full or the
   * tar ended; resolves with how many (fewer than `into.length` only at the end, 0 after it).
   * Fails with git's error if git failed.
   */
  fill(into: Buffer): Promise<number>;
  /** Moves past the next `bytes` of the tar without reading them (git may not have written them yet). */
  skip(bytes: number): void;
  /** Kills git if it still runs and deletes the file. */
  close(): Promise<void>;
};

/**
 * Starts `git archive` of a commit into a file in `tmpDir`, to be read while git writes it.
 * A pipe hands Node the tar in 64 KiB pieces, each a new buffer: for a 100 MB context that was
 * 0.23-0.35 s of Node's time and 100 MB of garbage. From the file it is read straight into the
 * caller's buffers (the object writer's chunks), as soon as git has written it.
 */
export async function openArchiveFile(mirror: string, sha: string, tmpDir: string): Promise<ArchiveFile> {
  await mkdir(tmpDir, { recursive: true });
  const path = join(tmpDir, `archive-${process.pid}-${randomUUID()}.tar`);
  const fd = openSync(path, "w");
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn("git", [`--git-dir=${mirror}`, "archive", "--format=tar", sha], { cwd: mirror, env: { ...process.env, ...PINNED_CONFIG }, stdio: ["ignore", fd, "pipe"] });
  } finally {
    closeSync(fd);
  }
  const git = commandOutcome(child, "git archive");
  const close = async (file?: FileHandle) => {
    if (git.now() === "running") child.kill();
    await file?.close();
    await rm(path, { force: true });
  };
  let file: FileHandle;
  try {
    file = await open(path, "r");
  } catch (err) {
    await close();
    throw err;
  }
  let position = 0;
  return {
    async fill(into) {
      let filled = 0;
      while (filled < into.length) {
        // What git had done before this read: once it exited, a read that finds nothing is the end.
        const before = git.now();
        if (before instanceof Error) throw before;
        const { bytesRead } = await file.read(into, filled, into.length - filled, position);
        if (bytesRead > 0) {
          position += bytesRead;
          filled += bytesRead;
        } else if (before === "ok") {
          break;
        } else {
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      }
      return filled;
    },
    skip(bytes) {
      position += bytes;
    },
    close: () => close(file),
  };
}

/**
 * Deletes archive files that a killed git-sync process left in `tmpDir`; returns how many. Run at
 * start, before this process archives anything: a file named with its own pid is a leftover too
 * (in a container, the restarted process often gets the pid of the killed one).
 */
export async function removeArchiveLeftovers(tmpDir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
    const pid = Number(LEFTOVER.exec(name)?.[1]);
    if (!pid || (pid !== process.pid && processAlive(pid))) continue;
    await rm(join(tmpDir, name), { force: true });
    removed++;
  }
  return removed;
}
