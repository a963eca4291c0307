import { spawn } from "node:child_process";
import { pipeline, Transform, type Readable } from "node:stream";

/**
 * A checked-out folder as a tar, as `git archive` would write it: `.git` (the checkout's and each
 * submodule's) left out, owner root, times set to the commit's, names sorted (the same commit
 * gives the same bytes). Symlinks stay links. Uses GNU tar.
 */
export function archiveDirectory(dir: string, commitTime: number): Readable {
  const args = ["--create", "--file=-", "--format=gnu", "--exclude=.git", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", `--mtime=@${commitTime}`, "."];
  return tarFromProcess("tar", "tar", args, dir);
}

/**
 * A command's stdout that ends only once the command exited 0, and otherwise fails with what it
 * printed on stderr: a tar cut short by a failing command must never look complete. Destroying
 * the stream kills the command.
 */
function tarFromProcess(label: string, command: string, args: string[], cwd: string): Readable {
  const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString("utf8");
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${label} ${code === null ? `killed by ${signal}` : `exited with ${code}`}: ${stderr.trim().split("\n")[0] ?? ""}`));
    });
  });
  exited.catch(() => undefined);
  const guard = new Transform({
    transform: (chunk, _enc, done) => done(null, chunk),
    flush: (done) => void exited.then(() => done(), done),
  });
  pipeline(child.stdout, guard, (err) => {
    if (err) child.kill();
  });
  guard.once("close", () => {
    if (child.exitCode === null) child.kill();
  });
  return guard;
}
