/**
 * Watches the Docker engine during a run. Its death is no fault this run injects, but it happens:
 * Docker 20.10's BuildKit can die with "fatal error: concurrent map writes" in its inline-cache
 * exporter when builds run at once (moby/moby#42422, moby/buildkit#2889). The report says when it
 * stopped answering, and the run starts it again so that what runs next on the machine has one.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { dockerClient, repoRoot } from "@slipway/test-kit";

export type EngineWatch = {
  /** Stops watching; ms from the start of the watch to the first unanswered ping, or null. */
  stop(): number | null;
};

export function watchDockerEngine(everyMs = 2000): EngineWatch {
  const started = Date.now();
  let downAfterMs: number | null = null;
  const timer = setInterval(() => {
    void dockerClient()
      .ping()
      .catch(() => (downAfterMs ??= Date.now() - started));
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return downAfterMs;
    },
  };
}

/** Starts dockerd if none answers, as `npm test` does before its suites (ensure-docker.js). */
export async function reviveDockerEngine(): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot(), "packages", "launcher", "dist", "cli", "ensure-docker.js")]);
  return stdout.trim();
}
