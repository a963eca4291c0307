import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createGitFixture } from "@slipway/test-kit";

const GIT_ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@slipway.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@slipway.invalid" };

/**
 * Under `root`: `<lib>.git` with `files`, and `<name>.git` whose commit has `superFiles` and
 * `<lib>` as a submodule at `path`, by the relative URL `../<lib>.git` (as on a git host).
 * Returns the superproject's commit.
 */
export function createRepoWithSubmodule(root: string, name: string, lib: string, path: string, files: Record<string, string>, superFiles: Record<string, string>): string {
  createGitFixture(lib, root).commit(files);
  const bare = join(root, `${name}.git`);
  const work = join(root, "work", `${name}-super`);
  mkdirSync(work, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: work, env: { ...process.env, ...GIT_ENV }, encoding: "utf8" }).trim();
  execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=master", bare]);
  git("init", "--quiet", "--initial-branch=master");
  git("remote", "add", "origin", bare);
  // Local submodule URLs need the file protocol allowed (git refuses it for submodules by default).
  git("-c", "protocol.file.allow=always", "submodule", "--quiet", "add", `../${lib}.git`, path);
  for (const [file, content] of Object.entries(superFiles)) {
    mkdirSync(join(work, file, ".."), { recursive: true });
    writeFileSync(join(work, file), content);
  }
  git("add", "--all");
  git("commit", "--quiet", "-m", "with a submodule");
  git("push", "--quiet", "origin", "master");
  return git("rev-parse", "HEAD");
}
