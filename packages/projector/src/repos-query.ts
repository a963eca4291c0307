import { REPO_DOCKERFILE, repoDockerfileValue } from "./model-index.js";
import type { QuerySource } from "./queries.js";
import type { BuildView } from "./read-model.js";

/** The last build of one Dockerfile: what a dashboard line shows. */
export type LastBuild = Pick<BuildView, "id" | "status" | "sha" | "branch" | "buildNumber" | "image" | "queuedAt" | "startedAt" | "finishedAt" | "durationMs">;

/** `GET /repos`: per repo, per Dockerfile, its newest build (by `queuedAt`). */
export type RepoView = { repo: string; repoName: string; dockerfiles: { dockerfile: string; lastBuild: LastBuild }[] };

function lastBuildOf(b: BuildView): LastBuild {
  const { id, status, sha, branch, buildNumber, image, queuedAt, startedAt, finishedAt, durationMs } = b;
  return { id, status, sha, branch, buildNumber, image, queuedAt, startedAt, finishedAt, durationMs };
}

/**
 * Repos by key, their Dockerfiles by name: a walk over the (repo, Dockerfile) groups the build
 * index keeps in order, taking the head of each group's newest-first list. Nothing is sorted
 * or scanned per request. `repo` narrows it to one repo (a seek to its first group).
 */
export function listRepos({ model, index }: QuerySource, q: { repo: string | null }): { repos: RepoView[] } {
  const repos: RepoView[] = [];
  // No group value equals `<repo>\0` itself, so "after" it is where the repo's groups start.
  const after = q.repo === null ? null : repoDockerfileValue(q.repo, "");
  for (const group of index.builds.valuesOf(REPO_DOCKERFILE, after)) {
    const key = index.builds.newest(REPO_DOCKERFILE, group);
    const build = key === undefined ? undefined : model.builds.get(key.id);
    if (build === undefined) continue;
    if (q.repo !== null && build.repo !== q.repo) break;
    let repo = repos[repos.length - 1];
    if (repo?.repo !== build.repo) {
      repo = { repo: build.repo, repoName: build.repoName, dockerfiles: [] };
      repos.push(repo);
    }
    repo.dockerfiles.push({ dockerfile: build.dockerfile, lastBuild: lastBuildOf(build) });
  }
  return { repos };
}
