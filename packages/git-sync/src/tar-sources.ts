import { spawn, type ChildProcess } from "node:child_process";
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
  const outcome = commandOutcome(child, label);
  const guard = new Transform({
    transform: (chunk, _enc, done) => done(null, chunk),
    flush: (done) => void outcome.done.then(() => done(), done),
  });
  pipeline(child.stdout, guard, (err) => {
    if (err) child.kill();
  });
  guard.once("close", () => {
    if (child.exitCode === null) child.kill();
  });
  return guard;
}

/** How a command that writes a tar ended: still running, exited 0, or an error in its own words. */
export type CommandOutcome = {
  /** What is known now. */
  now(): "running" | "ok" | Error;
  /** Resolves on exit 0; rejects with the first line it printed on stderr otherwise. */
  done: Promise<void>;
};

export function commandOutcome(child: ChildProcess, label: string): CommandOutcome {
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString("utf8");
  });
  let state: "running" | "ok" | Error = "running";
  const done = new Promise<void>((resolve, reject) => {
    child.once("error", (err) => {
      if (state === "running") state = err;
      reject(err);
    });
    child.once("close", (code, signal) => {
      if (state !== "running") return;
      state = code === 0 ? "ok" : new Error(`${label} ${code === null ? `killed by ${signal}` : `exited with ${code}`}: ${stderr.trim().split("\n")[0] ?? ""}`);
      if (state === "ok") resolve();
      else reject(state);
    });
  });
  done.catch(() => undefined);
  return { now: () => state, done };
}
