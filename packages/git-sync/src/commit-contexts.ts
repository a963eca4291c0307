import { join } from "node:path";
import type { ObjectStore } from "@nats-io/obj";
import type { SimpleGit } from "simple-git";
import type { GitSyncConfig } from "./config.js";
import { storeContexts, type StoredContext } from "./context-archive.js";
import { planContexts } from "./context-plan.js";
import { ignoreFileFor, ROOT_IGNORE_FILE } from "./dockerignore.js";
import { findDockerfiles, regularRootFiles } from "./dockerfiles.js";
import { GitTransport, transportOf } from "./git-transport.js";
import { resolveCommitTree, type ResolvedCommit } from "./commit.js";
import type { ObjectWriter } from "./object-writer.js";
import { parseTree } from "./tree-context.js";
import type { KnownBlobs } from "./stored-blobs.js";

export type CommitContextsDeps = {
  config: Pick<GitSyncConfig, "contextMaxBytes" | "gitSubmodules" | "gitTimeoutMs" | "gitUrl" | "dataDir" | "streams">;
  contexts: ObjectStore;
  contextWriter: ObjectWriter;
  git: SimpleGit;
  /** The mirror's folder. */
  mirror: string;
  /** The repository's clone URL: relative submodule URLs resolve against it. */
  url: string;
  /** Large files this process stored or found lately. */
  knownBlobs?: KnownBlobs;
  /** Credentials for submodule clones, as for the mirror. */
  access: { env: Readonly<Record<string, string>>; config: Readonly<Record<string, string>> };
};

/** A push's commit resolved (the payload's sha, or its ref: see resolveCommit), its Dockerfiles found and its contexts stored. */
export async function storePushContexts(deps: CommitContextsDeps, repoKey: string, requestedSha: string, ref: string, askDefaultBranch: boolean): Promise<{ commit: ResolvedCommit; dockerfiles: string[]; stored: StoredContext[] }> {
  const { commit, tree } = await resolveCommitTree(deps.git, requestedSha, ref, askDefaultBranch);
  const dockerfiles = findDockerfiles(tree);
  return { commit, dockerfiles, stored: await storeCommitContexts(deps, repoKey, commit.sha, tree, dockerfiles) };
}

/** Where `git archive` writes the tars contexts are read from. */
export function archiveDir(dataDir: string): string {
  return join(dataDir, "tmp");
}

/**
 * The build contexts of one commit, stored: the ignore file of each Dockerfile read from the
 * commit, the Dockerfiles grouped by the context they get (context-plan.ts), and each context
 * made once. `tree` is the commit's `git ls-tree -z` root listing.
 */
export async function storeCommitContexts(deps: CommitContextsDeps, repoKey: string, sha: string, tree: string, dockerfiles: readonly string[]): Promise<StoredContext[]> {
  const { config } = deps;
  const rootFiles = new Set(regularRootFiles(tree));
  const ignoreFiles = new Set([...dockerfiles.map((d) => ignoreFileFor(d, rootFiles)), rootFiles.has(ROOT_IGNORE_FILE) ? ROOT_IGNORE_FILE : null]);
  const ignoreTexts = new Map<string, string>();
  for (const file of ignoreFiles) if (file !== null) ignoreTexts.set(file, await deps.git.raw(["cat-file", "blob", `${sha}:${file}`]));

  const submodules = config.gitSubmodules && rootFiles.has(".gitmodules");
  const plans = planContexts(repoKey, sha, dockerfiles, rootFiles, ignoreTexts, submodules);
  return storeContexts(deps.contexts, deps.contextWriter, deps.mirror, sha, plans, {
    maxBytes: config.contextMaxBytes,
    tmpDir: archiveDir(config.dataDir),
    listing: parseTree(tree),
    knownBlobs: deps.knownBlobs,
    gitTimeoutMs: config.gitTimeoutMs,
    // Contexts live for the bucket's TTL; a large file they refer to is rewritten past half of it.
    blobRefreshMs: Math.floor(config.streams.contextsTtlMs / 2),
    submodules: submodules
      ? {
          cloneUrl: deps.url,
          checkoutsDir: join(config.dataDir, "checkouts"),
          timeoutMs: config.gitTimeoutMs,
          env: deps.access.env,
          config: deps.access.config,
          allowFileProtocol: transportOf(config.gitUrl.template) === GitTransport.Local,
        }
      : null,
  });
}
