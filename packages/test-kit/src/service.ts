import { existsSync } from "node:fs";
import { isReadyLine, repoRoot, serviceBuildProblem, serviceEntry, spawnChild, type Exit } from "@slipway/launcher";

/** A service process started from its built entry point. */
export type RunningService = {
  name: string;
  pid: number;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves when it has exited, however. */
  exited: Promise<Exit>;
  /** SIGTERM, waits for the exit (SIGKILL after 20 s); resolves with the exit code. */
  stop(): Promise<number | null>;
};

export type StartServiceOptions = {
  /** Default: the repo root. */
  cwd?: string;
  /** Default 60 s. */
  readyTimeoutMs?: number;
  /** Another script to run instead of the service's bundle, packages/<name>/dist/main.bundle.mjs (the harness's own tests). */
  entry?: string;
};

/**
 * Runs `node packages/<name>/dist/main.bundle.mjs` with our env plus `env`, and resolves once it logged
 * `{"msg":"ready"}`; rejects with its output if it exits first or is not ready in time (the
 * process is then stopped).
 */
export async function startService(name: string, env: Record<string, string> = {}, options: StartServiceOptions = {}): Promise<RunningService> {
  const entry = options.entry ?? serviceEntry(name);
  const problem = options.entry === undefined ? serviceBuildProblem(name) : existsSync(entry) ? null : `${entry} is missing`;
  if (problem !== null) throw new Error(`${name}: ${problem}; build it with \`pnpm run build\``);
  const child = spawnChild({
    name,
    command: process.execPath,
    args: [entry],
    env: { ...process.env, ...env },
    cwd: options.cwd ?? repoRoot(),
  });
  try {
    await child.waitForLine(isReadyLine, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await child.stop(5_000);
    throw err;
  }
  return { name, pid: child.pid, output: child.output, exited: child.exited, stop: () => child.stop(20_000) };
}
