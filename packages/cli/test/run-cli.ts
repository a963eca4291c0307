import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "@slipway/test-kit";

/** The real binary, as `npx slipway` runs it (the committed shim, then dist/main.js). */
export const BIN = join(repoRoot(), "packages/cli/bin/slipway.js");

export type CliRun = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/** A running `slipway`: its output so far, a way to wait for a line, and Ctrl-C. */
export type CliProcess = {
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout (or stderr) matches; rejects after `timeoutMs` with what came. */
  waitFor(pattern: RegExp, timeoutMs?: number, stream?: "stdout" | "stderr"): Promise<void>;
  interrupt(): void;
  done: Promise<CliRun>;
};

/**
 * Env for a test: the machine's own SLIPWAY_* settings are dropped, so a developer's token or
 * URLs never leak into what is tested, and colours are off (no terminal anyway).
 */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("SLIPWAY_")) env[k] = v;
  return { ...env, NO_COLOR: "1", ...extra };
}

export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), cwd: repoRoot() });
  let stdout = "";
  let stderr = "";
  let wake = () => {};
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    wake();
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    wake();
  });
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      resolve({ code, signal, stdout, stderr });
      wake();
    });
  });
  let exited = false;
  void done.then(() => (exited = true));
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    async waitFor(pattern, timeoutMs = 15_000, stream = "stdout") {
      const deadline = Date.now() + timeoutMs;
      const text = () => (stream === "stdout" ? stdout : stderr);
      while (!pattern.test(text())) {
        if (exited) throw new Error(`slipway ${args.join(" ")} exited before ${pattern} on ${stream}:\nstdout: ${stdout}\nstderr: ${stderr}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${pattern} on ${stream} within ${timeoutMs} ms:\nstdout: ${stdout}\nstderr: ${stderr}`);
        await new Promise<void>((r) => {
          const timer = setTimeout(r, Math.min(left, 100));
          wake = () => {
            clearTimeout(timer);
            r();
          };
        });
      }
    },
    interrupt: () => void child.kill("SIGINT"),
    done,
  };
}

/** Runs `slipway ...args` to its end (killed after `timeoutMs`). */
export async function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliRun> {
  const p = startCli(args, env);
  const timer = setTimeout(() => p.interrupt(), timeoutMs);
  try {
    return await p.done;
  } finally {
    clearTimeout(timer);
  }
}
