import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Real git repositories for tests: a bare repo under `<root>/<name>.git` (what `SLIPWAY_GIT_URL`
 * points at, e.g. `<root>/{name}.git`) and a work tree to commit and push from.
 */
export type GitFixture = {
  root: string;
  bare: string;
  /** Writes the files, commits them on `branch`, pushes, and returns the commit sha. */
  commit(files: Record<string, string>, message?: string, branch?: string): string;
  /** Removes files, commits and pushes; returns the sha. */
  remove(names: string[], message?: string, branch?: string): string;
};

const GIT_ENV = {
  GIT_AUTHOR_NAME: "slipway test",
  GIT_AUTHOR_EMAIL: "test@slipway.invalid",
  GIT_COMMITTER_NAME: "slipway test",
  GIT_COMMITTER_EMAIL: "test@slipway.invalid",
};

export function createGitFixture(name: string, root = mkdtempSync(join(tmpdir(), "slipway-git-"))): GitFixture {
  const bare = join(root, `${name}.git`);
  const work = join(root, "work", name);
  mkdirSync(work, { recursive: true });
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: "utf8" }).trim();
  git(root, "init", "--quiet", "--bare", "--initial-branch=master", bare);
  git(work, "init", "--quiet", "--initial-branch=master");
  git(work, "remote", "add", "origin", bare);

  const finish = (message: string, branch: string) => {
    git(work, "checkout", "--quiet", "-B", branch);
    git(work, "commit", "--quiet", "--allow-empty", "-m", message);
    git(work, "push", "--quiet", "--force", "origin", `${branch}:refs/heads/${branch}`);
    return git(work, "rev-parse", "HEAD");
  };
  return {
    root,
    bare,
    commit(files, message = "change", branch = "master") {
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(join(work, file, ".."), { recursive: true });
        writeFileSync(join(work, file), content);
      }
      git(work, "add", "--all");
      return finish(message, branch);
    },
    remove(names, message = "remove", branch = "master") {
      git(work, "rm", "--quiet", "--", ...names);
      return finish(message, branch);
    },
  };
}
