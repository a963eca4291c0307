import type { SimpleGit } from "simple-git";
import { SyncError, SyncErrorCode } from "./errors.js";
import { TREE_LISTING } from "./tree-context.js";

/** A full commit id: the only form of a payload's sha that is looked up (see resolveCommit). */
export const FULL_SHA = /^[0-9a-f]{40}$/;

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
 * revision expression into git. The mirror's default branch (its HEAD) only if asked: a push
 * payload names the repository's own.
 */
export async function resolveCommit(git: SimpleGit, requestedSha: string, ref: string, askDefaultBranch = true): Promise<ResolvedCommit> {
  // Full shas only: a short hex string could name a branch or tag instead of a commit.
  const [defaultBranch, fromPayload] = await Promise.all([
    askDefaultBranch ? git.raw(["symbolic-ref", "--short", "HEAD"]).then((s) => s.trim() || null, () => null) : null,
    FULL_SHA.test(requestedSha) ? revParse(git, requestedSha) : null,
  ]);
  if (fromPayload) return { sha: fromPayload, fromPayload: true, defaultBranch };
  if (!/^refs\/(heads|tags)\/[^\0]+$/.test(ref) || ref.includes("..")) {
    throw new SyncError(SyncErrorCode.RefNotFound, `ref ${JSON.stringify(ref)} is not a branch or tag`, false);
  }
  const sha = await revParse(git, ref);
  if (!sha) throw new SyncError(SyncErrorCode.RefNotFound, `neither commit ${JSON.stringify(requestedSha)} nor ${ref} exists in the repository`, false);
  return { sha, fromPayload: false, defaultBranch };
}

/** The commit's whole tree (tree-context.ts's listing, which has the root's files too). */
export async function listCommitTree(git: SimpleGit, sha: string): Promise<string> {
  return git.raw([...TREE_LISTING, sha]);
}

/**
 * The commit (as resolveCommit) and its tree listing. The payload's sha is listed while it is
 * being resolved: a push names a commit the fetch brought, so one git command less waits for
 * another. Listed again if it resolved to another commit (a tag, or the ref).
 */
export async function resolveCommitTree(git: SimpleGit, requestedSha: string, ref: string, askDefaultBranch: boolean): Promise<{ commit: ResolvedCommit; tree: string }> {
  const early = FULL_SHA.test(requestedSha) ? listCommitTree(git, requestedSha).catch(() => null) : Promise.resolve(null);
  const commit = await resolveCommit(git, requestedSha, ref, askDefaultBranch);
  const listed = await early;
  return { commit, tree: commit.sha === requestedSha && listed !== null ? listed : await listCommitTree(git, commit.sha) };
}
