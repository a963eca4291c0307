/** Runs the plain-script baseline (bench/baseline/build-one.sh), alone or under `xargs -P`. */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BUILD_ONE = join(dirname(fileURLToPath(import.meta.url)), "..", "baseline", "build-one.sh");

export type BaselineEnv = {
  gitRoot: string;
  /** The script's own mirror folder (not git-sync's). */
  mirrors: string;
  registry: string;
  /** Where docker build's output goes; default /dev/null. */
  log?: string;
  /** Add the six labels slipway's builder adds (a diagnostic: the legacy builder runs one step per label). */
  labels?: boolean;
  /** `DOCKER_BUILDKIT=1 docker build` instead of the legacy builder. */
  buildkit?: boolean;
};

export type BaselineJob = { name: string; sha: string; buildNumber: number };

/** One job's own timings, as build-one.sh prints them. */
export type BaselineTiming = { name: string; fetchMs: number; buildMs: number; pushMs: number; totalMs: number };

export type BaselineRun = { wallMs: number; jobs: BaselineTiming[] };

function prepareEnv(b: BaselineEnv): NodeJS.ProcessEnv {
  mkdirSync(b.mirrors, { recursive: true });
  return { ...process.env, BASELINE_GIT_ROOT: b.gitRoot, BASELINE_MIRRORS: b.mirrors, BASELINE_REGISTRY: b.registry, BASELINE_LOG: b.log ?? "/dev/null", BASELINE_LABELS: b.labels ? "1" : "0", BASELINE_BUILDKIT: b.buildkit ? "1" : "0" };
}

function parseTimings(stdout: string): BaselineTiming[] {
  const out: BaselineTiming[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^baseline name=(\S+) fetch_ms=(\d+) build_ms=(\d+) push_ms=(\d+) total_ms=(\d+)$/.exec(line.trim());
    if (m) out.push({ name: m[1]!, fetchMs: Number(m[2]), buildMs: Number(m[3]), pushMs: Number(m[4]), totalMs: Number(m[5]) });
  }
  return out;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/**
 * Runs build-one.sh for every job, `parallel` at a time (`xargs -P`), and measures the wall time
 * from the start until the last job ended. Throws if any job failed.
 */
export async function runBaseline(env: BaselineEnv, jobs: BaselineJob[], parallel: number): Promise<BaselineRun> {
  const list = jobs.map((j) => `${j.name} ${j.sha} ${j.buildNumber}\n`).join("");
  const started = performance.now();
  const res = await run("xargs", ["-P", String(parallel), "-n", "3", "bash", BUILD_ONE], prepareEnv(env), list);
  const wallMs = performance.now() - started;
  if (res.code !== 0) throw new Error(`baseline failed (xargs exit ${res.code}):\n${res.stderr}`);
  const timings = parseTimings(res.stdout);
  if (timings.length !== jobs.length) throw new Error(`baseline: ${timings.length} of ${jobs.length} jobs reported:\n${res.stdout}\n${res.stderr}`);
  return { wallMs, jobs: timings };
}

/**
 * Whether `DOCKER_BUILDKIT=1 docker build` works with this machine's CLI: a one-file build from
 * scratch. Returns null when it does, else the CLI's first line of complaint.
 */
export async function scriptBuildKitUnavailable(): Promise<string | null> {
  const dockerfile = "FROM scratch\nLABEL probe=1\n";
  const res = await run("docker", ["build", "-q", "-"], { ...process.env, DOCKER_BUILDKIT: "1" }, dockerfile);
  if (res.code === 0) {
    const id = res.stdout.trim();
    if (id) await run("docker", ["image", "rm", id], process.env, "");
    return null;
  }
  return (res.stderr.trim().split("\n")[0] ?? "").replace(/^ERROR:\s*/, "") || `exit ${res.code}`;
}
