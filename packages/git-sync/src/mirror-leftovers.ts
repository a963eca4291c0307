import { readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Where a clone is made, to be renamed into place when complete. */
export function clonePath(mirror: string): string {
  return `${mirror}.tmp-${process.pid}`;
}

/** Where a broken mirror goes: a rename frees the mirror's path at once, the delete may take long. */
function asidePath(mirror: string): string {
  return `${mirror}.broken-${process.pid}`;
}

const LEFTOVER = /^(.+)\.(tmp|broken)-(\d+)$/;

/** Whether a process with this pid exists (a leftover of a dead one may be removed). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Deletes clone and aside folders that a process killed mid-clone left next to the mirrors.
 * Those of a dead process are stale; ours of this mirror too (the caller holds its lock); ours
 * of another mirror may be a clone in progress, and wait for that mirror's own sync.
 * Returns the names removed.
 */
export async function sweepLeftovers(mirror: string): Promise<string[]> {
  const dir = dirname(mirror);
  const own = basename(mirror);
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const match = LEFTOVER.exec(name);
    if (!match) continue;
    const pid = Number(match[3]);
    if (pid === process.pid ? match[1] !== own : processAlive(pid)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Takes a broken mirror out of the way and deletes it; a crash in between leaves a leftover the sweep removes. */
export async function discardMirror(mirror: string): Promise<void> {
  const aside = asidePath(mirror);
  await rm(aside, { recursive: true, force: true });
  await rename(mirror, aside);
  await rm(aside, { recursive: true, force: true });
}
