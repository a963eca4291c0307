import { stat } from "node:fs/promises";
import { failureOf } from "./git-failure.js";
import { GitCommandError } from "./run-git.js";

/** A mirror that looks whole, and where its origin points; or why it cannot be fetched into. */
export type MirrorState = { problem: null; originUrl: string } | { problem: string };

/**
 * Why the mirror at `path` cannot be fetched into (or where its origin points when it looks
 * whole). Cheap (two git commands at once, no walk of history) yet catches what a fetch would
 * not: with a pack deleted or cut short, `git fetch` still succeeds, as the refs claim every
 * object is there.
 */
export async function inspectMirror(path: string, git: (args: string[]) => Promise<string>): Promise<MirrorState> {
  const info = await stat(path).catch(() => null);
  if (!info?.isDirectory()) return { problem: "not a directory" };
  try {
    const [, origin] = await Promise.all([
      // Fails on a garbage HEAD, a missing objects/ or refs/, a bad config; %(objecttype) reads
      // each ref's object, so a missing or damaged pack shows too.
      git(["for-each-ref", "--format=%(objecttype)"]),
      // Exit 1, silent, when neither is set.
      git(["config", "--get-regexp", "^remote\\.origin\\.(mirror|url)$"]).catch((err: unknown) => {
        if (err instanceof GitCommandError && err.exitCode === 1 && err.stderr.trim() === "") return "";
        throw err;
      }),
    ]);
    const settings = configLines(origin);
    // A config lost or rewritten no longer makes it a mirror of origin.
    if (!gitTrue(settings.get("remote.origin.mirror"))) return { problem: "its config has no mirror remote" };
    return { problem: null, originUrl: settings.get("remote.origin.url") ?? "" };
  } catch (err) {
    return { problem: failureOf(err).detail };
  }
}

/** `git config --get-regexp` output: one `key value` per line (the last one wins, as for git). */
function configLines(output: string): Map<string, string | null> {
  const settings = new Map<string, string | null>();
  for (const line of output.split("\n")) {
    if (line === "") continue;
    const space = line.indexOf(" ");
    // A key written without `= value` is listed alone: a boolean true.
    settings.set(space < 0 ? line : line.slice(0, space), space < 0 ? null : line.slice(space + 1));
  }
  return settings;
}

/** Git's reading of a boolean setting's value as true (null: the key alone). */
function gitTrue(value: string | null | undefined): boolean {
  if (value === undefined) return false;
  if (value === null) return true;
  const text = value.trim().toLowerCase();
  return text === "true" || text === "yes" || text === "on" || (/^-?\d+$/.test(text) && Number(text) !== 0);
}
