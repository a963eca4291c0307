import { spawn } from "node:child_process";

/** How one git command runs: a hard deadline, and the environment on top of git's defaults here. */
export type RunGitOptions = {
  /** Run against this repository only (`--git-dir`): never one git would discover in a parent folder. */
  gitDir?: string;
  cwd?: string;
  /** The command is killed after this long, with everything it started. */
  timeoutMs: number;
  /** Added to the environment, after our defaults (a credentials hook may override them). */
  env?: Readonly<Record<string, string>>;
  /** Git config for this command, passed in the environment rather than argv (which `ps` shows). */
  config?: Readonly<Record<string, string>>;
};

/** A git command that failed or was killed at its deadline; `stderr` is what git said (capped). */
export class GitCommandError extends Error {
  override name = "GitCommandError";
  constructor(
    readonly command: string,
    readonly stderr: string,
    readonly exitCode: number | null,
    readonly timedOut: boolean,
  ) {
    // stderr stays out of the message: it may echo a URL with credentials (see git-failure.ts).
    super(timedOut ? `git ${command} killed at its deadline` : `git ${command} exited with ${exitCode}`);
  }
}

const STDERR_CAP = 64 * 1024;
/** Time git gets after SIGTERM to remove its lock and temp files, before SIGKILL. */
const TERM_GRACE_MS = 2_000;

/** The environment git runs with: stable English messages to classify, and never a prompt that waits for a human. */
export function gitEnv(options: Pick<RunGitOptions, "timeoutMs" | "env" | "config">): NodeJS.ProcessEnv {
  const config = Object.entries(options.config ?? {});
  return {
    // Passed through, not read as settings: git needs HOME, PATH, proxies, SSH agent.
    ...process.env,
    LC_ALL: "C",
    GIT_TERMINAL_PROMPT: "0",
    // ext:: and fd:: run commands; nothing here needs them.
    GIT_ALLOW_PROTOCOL: "file:git:http:https:ssh",
    // A stalled HTTP transfer ends by itself, even in a git that outlived its parent.
    GIT_HTTP_LOW_SPEED_LIMIT: "1",
    GIT_HTTP_LOW_SPEED_TIME: String(Math.max(1, Math.ceil(options.timeoutMs / 1000))),
    ...(config.length > 0 ? configEnv(config) : {}),
    ...options.env,
  };
}

function configEnv(entries: [string, string][]): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/**
 * Runs git and resolves with its stdout. git runs in its own process group, so the deadline
 * ends it together with its helpers (`git-remote-http`, `ssh`, `index-pack`): a hung server can
 * not keep a clone alive, and the heartbeat then has nothing left to keep going.
 */
export function runGit(args: readonly string[], options: RunGitOptions): Promise<string> {
  const argv = options.gitDir === undefined ? [...args] : [`--git-dir=${options.gitDir}`, ...args];
  const command = args[0] ?? "";
  return new Promise((resolve, reject) => {
    const child = spawn("git", argv, { cwd: options.cwd, env: gitEnv(options), stdio: ["ignore", "pipe", "pipe"], detached: true });
    const stdout: Buffer[] = [];
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => stdout.push(d));
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < STDERR_CAP) stderr += d.toString("utf8");
    });
    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const timers: NodeJS.Timeout[] = [];
    const settle = () => timers.forEach(clearTimeout);
    timers.push(
      setTimeout(() => {
        timedOut = true;
        killGroup("SIGTERM");
        timers.push(setTimeout(() => killGroup("SIGKILL"), TERM_GRACE_MS));
        // A helper that left the group (an ssh master) could hold the pipes open: give up on it.
        timers.push(setTimeout(() => reject(new GitCommandError(command, stderr, null, true)), 2 * TERM_GRACE_MS));
      }, options.timeoutMs),
    );
    child.once("error", (err) => {
      settle();
      reject(new GitCommandError(command, err.message, null, false));
    });
    child.once("close", (code) => {
      settle();
      // Helpers may linger after git itself exited at the deadline.
      if (timedOut) killGroup("SIGKILL");
      if (code === 0) resolve(Buffer.concat(stdout).toString("utf8"));
      else reject(new GitCommandError(command, stderr, code, timedOut));
    });
  });
}
