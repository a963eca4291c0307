import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { stableId } from "@slipway/events";
import { failureOf, GitFailureKind, gitSyncError, redactAll } from "./git-failure.js";
import { inspectMirror, MIRROR_REFSPECS } from "./mirror-health.js";
import { clonePath, discardMirror, sweepLeftovers } from "./mirror-leftovers.js";
import { runGit } from "./run-git.js";

/** A bare mirror per repository under the service's data dir; the folder name is a hash of the key. */
export function mirrorPath(dataDir: string, repoKey: string): string {
  return join(dataDir, "mirrors", `${stableId("mirror", repoKey)}.git`);
}

/** Where a mirror sync reports what it repaired; pino's logger fits. */
export type MirrorLogger = { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void };

export type MirrorOptions = {
  /** Each git command (clone, fetch) is killed after this long and fails GIT_TIMEOUT. */
  timeoutMs: number;
  /** Extra environment for git (a credential helper, GIT_SSH_COMMAND); overrides our defaults. */
  env: Readonly<Record<string, string>>;
  /** Git config for these commands (`http.extraHeader`, `core.sshCommand`), kept out of argv. */
  config: Readonly<Record<string, string>>;
  logger: MirrorLogger | null;
};

export function defaultMirrorOptions(): MirrorOptions {
  return { timeoutMs: 300_000, env: {}, config: {}, logger: null };
}

/** One sync per mirror at a time in this process: a re-clone or sweep must not pull a mirror from under a fetch. */
const busy = new Map<string, Promise<unknown>>();

async function exclusive<T>(path: string, work: () => Promise<T>): Promise<T> {
  const before = busy.get(path) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(work);
  const tail = mine.catch(() => undefined);
  busy.set(path, tail);
  try {
    return await mine;
  } finally {
    if (busy.get(path) === tail) busy.delete(path);
  }
}

/**
 * Clones the mirror on the first webhook of a repo, fetches on later ones. The clone goes to a
 * temporary folder renamed into place, so a crash or timeout mid-clone never leaves a half
 * mirror behind. A mirror found broken (before the fetch, or by it) is cloned again, once.
 * Failures are SyncErrors whose code says whether a retry can help (see git-failure.ts).
 */
export async function syncMirror(url: string, path: string, options: Partial<MirrorOptions> = {}): Promise<SimpleGit> {
  const opts: MirrorOptions = { ...defaultMirrorOptions(), ...options };
  const run = (args: string[], gitDir?: string) =>
    runGit(args, { gitDir, cwd: dirname(path), timeoutMs: opts.timeoutMs, env: opts.env, config: opts.config });

  return exclusive(path, async () => {
    await mkdir(dirname(path), { recursive: true });
    await sweepLeftovers(path);
    if (!(await exists(path))) {
      await clone(url, path, run, opts);
      return simpleGit(path);
    }
    const state = await inspectMirror(path, (args) => run(args, path));
    if (state.problem !== null) {
      await reclone(url, path, run, opts, state.problem);
      return simpleGit(path);
    }
    if (!state.branchesAndTagsOnly) {
      // Once per mirror: cheaper to clone again than to delete its other refs one by one.
      opts.logger?.info({ mirror: path }, "mirror fetches every ref of its origin (made by an older version): cloning it again with branches and tags only");
      await replaceMirror(url, path, run, opts);
      return simpleGit(path);
    }
    try {
      if (state.originUrl !== url) await run(["remote", "set-url", "origin", url], path);
      // Housekeeping (`git gc --auto`) waits for maintainMirror, after the builds are queued.
      await run(["fetch", "--prune", "--no-auto-gc", "origin"], path);
    } catch (cause) {
      const failure = failureOf(cause);
      if (failure.kind !== GitFailureKind.BrokenMirror) throw gitSyncError("fetch", url, failure, opts.timeoutMs, cause);
      await reclone(url, path, run, opts, failure.detail);
    }
    return simpleGit(path);
  });
}

/**
 * Git's housekeeping for a mirror (`git gc --auto`: a repack once enough packs or
 * loose objects piled up), which `git fetch` would otherwise run before returning: done after a
 * sync has queued its builds, so a push does not wait for it. Usually finds nothing to do.
 */
export async function maintainMirror(path: string, options: Partial<MirrorOptions> = {}): Promise<void> {
  const opts: MirrorOptions = { ...defaultMirrorOptions(), ...options };
  await exclusive(path, async () => {
    if (!(await exists(path))) return;
    await runGit(["gc", "--auto", "--quiet"], { gitDir: path, cwd: dirname(path), timeoutMs: opts.timeoutMs, env: opts.env, config: opts.config });
  });
}

type Run = (args: string[], gitDir?: string) => Promise<string>;

async function clone(url: string, path: string, run: Run, opts: MirrorOptions): Promise<void> {
  const tmp = clonePath(path);
  await rm(tmp, { recursive: true, force: true });
  try {
    // `clone --bare` brings branches, tags and the default branch (HEAD); `--mirror` would also
    // bring every other ref (see MIRROR_REFSPECS). Later fetches take the same refs, pruned.
    await run(["clone", "--bare", "--", url, tmp]);
    await run(["config", "remote.origin.mirror", "true"], tmp);
    for (const [i, spec] of MIRROR_REFSPECS.entries()) await run(["config", ...(i === 0 ? [] : ["--add"]), "remote.origin.fetch", spec], tmp);
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { recursive: true, force: true });
    throw gitSyncError("clone", url, failureOf(cause), opts.timeoutMs, cause);
  }
}

async function reclone(url: string, path: string, run: Run, opts: MirrorOptions, problem: string): Promise<void> {
  opts.logger?.warn({ mirror: path, problem: redactAll(problem, url) }, "mirror is broken; deleting it and cloning again");
  await replaceMirror(url, path, run, opts);
}

async function replaceMirror(url: string, path: string, run: Run, opts: MirrorOptions): Promise<void> {
  await discardMirror(path);
  await clone(url, path, run, opts);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
