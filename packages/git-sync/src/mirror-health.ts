import { stat } from "node:fs/promises";
import { failureOf } from "./git-failure.js";
import { GitCommandError } from "./run-git.js";

/**
 * What a mirror fetches: branches and tags, the only refs a push or a build request names. Not
 * `refs/*`: GitHub serves a `refs/pull/<n>/head` (and `merge`) per pull request, tens of thousands
 * in a busy repository, with the commits of every fork that opened one; each fetch would list them
 * and bring those commits in, and the mirror check would read every one of them.
 */
export const MIRROR_REFSPECS: readonly string[] = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

/**
 * A mirror that looks whole, where its origin points and whether it fetches only
 * `MIRROR_REFSPECS` (false: made by an older version, which fetched every ref); or why it cannot
 * be fetched into.
 */
export type MirrorState = { problem: null; originUrl: string; branchesAndTagsOnly: boolean } | { problem: string };

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
      // Exit 1, silent, when none is set.
      git(["config", "--get-regexp", "^remote\\.origin\\.(mirror|url|fetch)$"]).catch((err: unknown) => {
        if (err instanceof GitCommandError && err.exitCode === 1 && err.stderr.trim() === "") return "";
        throw err;
      }),
    ]);
    const settings = configLines(origin);
    // A config lost or rewritten no longer makes it a mirror of origin.
    if (!gitTrue(settings.get("remote.origin.mirror")?.at(-1))) return { problem: "its config has no mirror remote" };
    const fetches = settings.get("remote.origin.fetch") ?? [];
    const branchesAndTagsOnly = fetches.length === MIRROR_REFSPECS.length && MIRROR_REFSPECS.every((spec) => fetches.includes(spec));
    return { problem: null, originUrl: settings.get("remote.origin.url")?.at(-1) ?? "", branchesAndTagsOnly };
  } catch (err) {
    return { problem: failureOf(err).detail };
  }
}

/**
 * `git config --get-regexp` output: one `key value` per line, every value of a key in order (for a
 * single-valued key the last one wins, as for git; `fetch` has several).
 */
function configLines(output: string): Map<string, (string | null)[]> {
  const settings = new Map<string, (string | null)[]>();
  for (const line of output.split("\n")) {
    if (line === "") continue;
    const space = line.indexOf(" ");
    const key = space < 0 ? line : line.slice(0, space);
    // A key written without `= value` is listed alone: a boolean true.
    settings.set(key, [...(settings.get(key) ?? []), space < 0 ? null : line.slice(space + 1)]);
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
