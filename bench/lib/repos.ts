/** Bench repositories (bare git repos git-sync and the baseline clone from) and registry checks. */
import { randomBytes } from "node:crypto";
import { createGitFixture, type GitFixture } from "@slipway/test-kit";

/** The four tags of a build on the default branch: sha, build number, branch, latest. */
export function expectedTags(sha: string, buildNumber: number, branch = "master"): string[] {
  return [sha, String(buildNumber), branch, "latest"];
}

/** The bench's usual Dockerfile: some COPY and RUN work on a stamp file whose content is unique per build. */
export function stampDockerfile(base: string): string {
  return `FROM ${base}\nCOPY stamp.txt /stamp.txt\nRUN sleep 0.2 && cat /stamp.txt\n`;
}

export type BenchRepo = {
  name: string;
  git: GitFixture;
  /** Commits new files and returns the sha. */
  commit(files: Record<string, string>): string;
};

/** A bare repo `<gitRoot>/<name>.git` with a work tree to commit from. */
export function createRepo(gitRoot: string, name: string): BenchRepo {
  const git = createGitFixture(name, gitRoot);
  return { name, git, commit: (files) => git.commit(files) };
}

/** Whether `name:tag` is in the registry (manifest HEAD). The registry is not ingress: fetch is fine here. */
export async function hasTag(registryUrl: string, name: string, tag: string): Promise<boolean> {
  const res = await fetch(`${registryUrl}/v2/${name}/manifests/${encodeURIComponent(tag)}`, {
    method: "HEAD",
    headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" },
  });
  return res.ok;
}

/** `name:tag` pairs (of `wanted`) missing from the registry. */
export async function missingTags(registryUrl: string, wanted: { name: string; tags: string[] }[]): Promise<string[]> {
  const missing: string[] = [];
  for (const { name, tags } of wanted) {
    for (const tag of tags) if (!(await hasTag(registryUrl, name, tag))) missing.push(`${name}:${tag}`);
  }
  return missing;
}

/** A short random hex id: keeps names and stamp content of every run distinct. */
export function nonce(bytes = 4): string {
  return randomBytes(bytes).toString("hex");
}
