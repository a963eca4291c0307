import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { mkdir, open, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { processAlive } from "./mirror-leftovers.js";
import { commandOutcome } from "./tar-sources.js";

const LEFTOVER = /^archive-(\d+)-[0-9a-f-]+\.tar$/;
/** How long the reader waits before it looks again for bytes git has not written yet. */
const POLL_MS = 1;

export type ArchiveFileOptions = {
  /** Bytes asked for per read. */
  readBytes: number;
  /**
   * Hand out the same buffer every time (valid until the next piece is asked for): for a consumer
   * that copies each piece at once. Otherwise each piece is a buffer of its own.
   */
  reuseBuffer: boolean;
};

/**
 * `git archive` of a commit, read from a file in `tmpDir` while git writes it, and deleted after.
 * A pipe hands Node the tar in 64 KiB pieces, each a new buffer: for a 100 MB context that was
 * 0.23-0.35 s of Node's time and 100 MB of garbage. From the file it comes in `readBytes` reads
 * (into one buffer with `reuseBuffer`), as soon as git has written them. Ends once git exited 0
 * and every byte was read; fails with git's error otherwise. Stopping early kills git.
 */
export async function* archiveCommitViaFile(mirror: string, sha: string, tmpDir: string, options: ArchiveFileOptions): AsyncGenerator<Buffer> {
  await mkdir(tmpDir, { recursive: true });
  const path = join(tmpDir, `archive-${process.pid}-${randomUUID()}.tar`);
  const fd = openSync(path, "w");
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn("git", [`--git-dir=${mirror}`, "archive", "--format=tar", sha], { cwd: mirror, stdio: ["ignore", fd, "pipe"] });
  } finally {
    closeSync(fd);
  }
  const git = commandOutcome(child, "git archive");

  const file = await open(path, "r");
  try {
    let buffer = Buffer.allocUnsafe(options.readBytes);
    for (let position = 0; ; ) {
      // What git had done before this read: once it exited, a read that finds nothing is the end.
      const before = git.now();
      if (before instanceof Error) throw before;
      const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
      if (bytesRead > 0) {
        position += bytesRead;
        yield buffer.subarray(0, bytesRead);
        if (!options.reuseBuffer) buffer = Buffer.allocUnsafe(options.readBytes);
      } else if (before === "ok") {
        return;
      } else {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }
  } finally {
    if (git.now() === "running") child.kill();
    await file.close();
    await rm(path, { force: true });
  }
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
