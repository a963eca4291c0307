/**
 * The repositories a chaos run pushes to: bare repos under one folder (SLIPWAY_GIT_URL =
 * `<root>/{name}.git`), one to three Dockerfiles each, some failing on purpose (a RUN that
 * exits 3) so that BuildFailed is a verdict the run expects, not only one the faults cause.
 */
import { createGitFixture, type GitFixture } from "@slipway/test-kit";

/** What a Dockerfile of a fixture repo must end in. */
export type Expected = "pushed" | "failed";

export type DockerfileSpec = { name: string; expect: Expected };

export type RepoSpec = { name: string; dockerfiles: DockerfileSpec[] };

/** 5 repos, 10 Dockerfiles, 3 of them failing. */
export const CHAOS_REPOS: readonly RepoSpec[] = [
  { name: "chaos-app", dockerfiles: [{ name: "Dockerfile", expect: "pushed" }] },
  {
    name: "chaos-api",
    dockerfiles: [
      { name: "Dockerfile", expect: "pushed" },
      { name: "Dockerfile_test", expect: "pushed" },
      { name: "Dockerfile.dev", expect: "pushed" },
    ],
  },
  {
    name: "chaos-web",
    dockerfiles: [
      { name: "Dockerfile", expect: "pushed" },
      { name: "Dockerfile_broken", expect: "failed" },
    ],
  },
  {
    name: "chaos-tools",
    dockerfiles: [
      { name: "Dockerfile", expect: "pushed" },
      { name: "Dockerfile.lint", expect: "pushed" },
      { name: "Dockerfile.fail", expect: "failed" },
    ],
  },
  { name: "chaos-broken", dockerfiles: [{ name: "Dockerfile", expect: "failed" }] },
];

/** The owner pushes name, so image and repo keys read `chaos/<name>`. */
export const CHAOS_OWNER = "chaos";

function dockerfile(base: string, expect: Expected, name: string): string {
  // COPY of the stamp: every push changes a layer, so every build does real work.
  const run = expect === "pushed" ? `RUN cat /stamp > /dev/null && echo ${name} ok` : `RUN echo "${name} fails on purpose" && exit 3`;
  return `FROM ${base}\nCOPY stamp /stamp\n${run}\n`;
}

export type ChaosRepo = RepoSpec & {
  fixture: GitFixture;
  /** Commits a new stamp (a new commit every time) and returns its sha. */
  push(stamp: string): string;
};

/** Creates the bare repos under `root` with their Dockerfiles `FROM base`, first commit made. */
export function createChaosRepos(root: string, base: string): ChaosRepo[] {
  return CHAOS_REPOS.map((spec) => {
    const fixture = createGitFixture(spec.name, root);
    const files: Record<string, string> = { stamp: "initial\n" };
    for (const d of spec.dockerfiles) files[d.name] = dockerfile(base, d.expect, d.name);
    fixture.commit(files, "Dockerfiles");
    return { ...spec, fixture, push: (stamp) => fixture.commit({ stamp: `${stamp}\n` }, `chaos push ${stamp}`) };
  });
}
