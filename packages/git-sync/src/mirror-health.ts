import { stat } from "node:fs/promises";
import { failureOf } from "./git-failure.js";
import { GitCommandError } from "./run-git.js";

/**
 * Why the mirror at `path` cannot be fetched into, or null when it looks whole. Cheap (two git
 * commands, no walk of history) yet catches what a fetch would not: with a pack deleted or cut
 * short, `git fetch` still succeeds, as the refs claim every object is there.
 */
export async function mirrorProblem(path: string, git: (args: string[]) => Promise<string>): Promise<string | null> {
  const info = await stat(path).catch(() => null);
  if (!info?.isDirectory()) return "not a directory";
  try {
    // Fails on a garbage HEAD, a missing objects/ or refs/, a bad config; %(objecttype) reads
    // each ref's object, so a missing or damaged pack shows too.
    await git(["for-each-ref", "--format=%(objecttype)"]);
    // A config lost or rewritten no longer makes it a mirror of origin (exit 1, silent: no such key).
    const mirror = await git(["config", "--bool", "--get", "remote.origin.mirror"]).catch((err: unknown) => {
      if (err instanceof GitCommandError && err.exitCode === 1 && err.stderr.trim() === "") return "";
      throw err;
    });
    return mirror.trim() === "true" ? null : "its config has no mirror remote";
  } catch (err) {
    return failureOf(err).detail;
  }
}
