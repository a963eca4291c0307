import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { attemptPath } from "./log-writer.js";
import { isNoEntry } from "./files.js";

/** `<buildId>.log.attempt`, as versions before the state folder kept it next to the log. */
const LEGACY_ATTEMPT = /^([A-Za-z0-9_-]{1,64})\.log\.attempt$/;
/** In the attempts folder once the logs folder was cleaned up. */
export const LEGACY_DONE = ".legacy-log-files-moved";
/** A temp file of its atomic write, left by a crash. */
const LEGACY_TEMP = /^[A-Za-z0-9_-]{1,64}\.log\.attempt\.\d+\.tmp$/;

/**
 * Moves the log writer's bookkeeping that older versions kept in the logs folder
 * (`<buildId>.log.attempt`) into `attemptsDir`, and deletes their temp files, so the logs folder
 * holds only `<buildId>.log` (the seed's layout). Runs at start, before any chunk is written; once
 * it went through, a marker in `attemptsDir` makes later starts skip it. Other files are left alone. A file already in `attemptsDir` is newer
 * than the old one and is kept.
 */
export async function moveLegacyLogFiles(logsDir: string, attemptsDir: string): Promise<{ moved: number; removed: number }> {
  // Once done, never again: listing a logs folder of 100,000 builds would slow every start.
  const marker = join(attemptsDir, LEGACY_DONE);
  if (await exists(marker)) return { moved: 0, removed: 0 };
  let names: string[];
  try {
    names = await readdir(logsDir);
  } catch (err) {
    if (!isNoEntry(err)) throw err;
    names = [];
  }
  let moved = 0;
  let removed = 0;
  for (const name of names) {
    const from = join(logsDir, name);
    const buildId = LEGACY_ATTEMPT.exec(name)?.[1];
    if (buildId !== undefined) {
      if (await moveUnlessPresent(from, attemptPath(attemptsDir, buildId))) moved++;
      else removed++;
    } else if (LEGACY_TEMP.test(name)) {
      await rm(from, { force: true });
      removed++;
    }
  }
  await mkdir(attemptsDir, { recursive: true });
  await writeFile(marker, "the logs folder holds no bookkeeping of older versions any more\n");
  return { moved, removed };
}

/** Moves `from` to `to` (copying across file systems); when `to` exists, only deletes `from`. */
async function moveUnlessPresent(from: string, to: string): Promise<boolean> {
  if (await exists(to)) {
    await rm(from, { force: true });
    return false;
  }
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (err) {
    // The logs and the state folder are often two mounts (compose: a bind mount and a volume).
    if (!(typeof err === "object" && err !== null && "code" in err && err.code === "EXDEV")) throw err;
    const tmp = `${to}.${process.pid}.tmp`;
    await copyFile(from, tmp);
    await rename(tmp, to);
    await rm(from, { force: true });
  }
  return true;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isNoEntry(err)) return false;
    throw err;
  }
}
