import type { SimpleGit } from "simple-git";
import { SyncError, SyncErrorCode } from "./errors.js";

export type ResolvedCommit = { sha: string; fromPayload: boolean; defaultBranch: string | null };

async function revParse(git: SimpleGit, rev: string): Promise<string | null> {
  try {
    const out = (await git.raw(["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`])).trim();
    return /^[0-9a-f]{40}$/.test(out) ? out : null;
  } catch {
    return null;
  }
}

/**
 * The payload's commit if the mirror has it after the fetch, else the tip of the ref (the seed's
 * curl sends `"id": "test"`). Only hex is ever looked up as a sha: a payload can't smuggle a
 * revision expression into git.
 */
export async function resolveCommit(git: SimpleGit, requestedSha: string, ref: string): Promise<ResolvedCommit> {
  const defaultBranch = await git.raw(["symbolic-ref", "--short", "HEAD"]).then((s) => s.trim() || null, () => null);
  // Full shas only: a short hex string could name a branch or tag instead of a commit.
  if (/^[0-9a-f]{40}$/.test(requestedSha)) {
    const sha = await revParse(git, requestedSha);
    if (sha) return { sha, fromPayload: true, defaultBranch };
  }
  if (!/^refs\/(heads|tags)\/[^\0]+$/.test(ref) || ref.includes("..")) {
    throw new SyncError(SyncErrorCode.RefNotFound, `ref ${JSON.stringify(ref)} is not a branch or tag`, false);
  }
  const sha = await revParse(git, ref);
  if (!sha) throw new SyncError(SyncErrorCode.RefNotFound, `neither commit ${JSON.stringify(requestedSha)} nor ${ref} exists in the repository`, false);
  return { sha, fromPayload: false, defaultBranch };
}

export async function listRoot(git: SimpleGit, sha: string): Promise<string> {
  return git.raw(["ls-tree", "-z", sha]);
}
