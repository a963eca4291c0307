import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { stableId } from "@slipway/events";
import { SyncError, SyncErrorCode } from "./errors.js";
import { redactIn, redactUrl } from "./redact.js";

/** A bare mirror per repository under the service's data dir; the folder name is a hash of the key. */
export function mirrorPath(dataDir: string, repoKey: string): string {
  return join(dataDir, "mirrors", `${stableId("mirror", repoKey)}.git`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Clones the mirror on the first webhook of a repo, fetches on later ones. The clone goes to a
 * temporary folder renamed into place, so a crash mid-clone never leaves a half mirror behind.
 */
export async function syncMirror(url: string, path: string): Promise<SimpleGit> {
  if (!(await exists(path))) {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    try {
      await simpleGit().clone(url, tmp, ["--mirror"]);
      await rename(tmp, path);
    } catch (cause) {
      await rm(tmp, { recursive: true, force: true });
      throw new SyncError(SyncErrorCode.CloneFailed, `git clone of ${redactUrl(url)} failed: ${redactIn(firstLine(cause), url)}`, true, { cause });
    }
    return simpleGit(path);
  }
  const git = simpleGit(path);
  try {
    await git.remote(["set-url", "origin", url]);
    await git.fetch(["--prune", "origin"]);
  } catch (cause) {
    throw new SyncError(SyncErrorCode.FetchFailed, `git fetch of ${redactUrl(url)} failed: ${redactIn(firstLine(cause), url)}`, true, { cause });
  }
  return git;
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).trim().split("\n")[0] ?? "";
}
