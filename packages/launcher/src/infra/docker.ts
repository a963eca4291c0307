import type Docker from "dockerode";
import { dockerAnswers, dockerClient } from "../docker.js";
import { stateDir } from "../paths.js";
import { spawnDaemon, stopPid } from "../processes.js";
import { waitUntil } from "../net.js";
import { tailOf } from "./log-tail.js";

/** The Docker engine we use: reused if one answered, else started by us. */
export type DockerEngine = {
  /** True when this call started `dockerd`. */
  started: boolean;
  /** Stops the engine only if we started it; a reused engine is never touched. */
  stop(): Promise<void>;
};

export type EnsureDockerOptions = {
  /** Where a started dockerd logs; default `<repo>/.slipway/dockerd.log`. */
  logFile?: string;
  timeoutMs?: number;
  /** Progress lines for a human. */
  onProgress?: (message: string) => void;
  /** The engine to ping; default: DOCKER_HOST or the default socket. */
  docker?: Docker;
  /** The daemon to start, with its arguments; default `dockerd` (its own default socket). */
  command?: [string, ...string[]];
};

let pending: Promise<DockerEngine> | undefined;

/**
 * Makes sure a Docker engine answers: pings it, and if nothing answers starts `dockerd` detached
 * (it outlives this process, so later runs reuse it) and waits up to 60 s for the ping. Calls in
 * one process share the first call's result. Only stop a started engine when nothing else in
 * the process still needs it.
 */
export function ensureDockerEngine(options: EnsureDockerOptions = {}): Promise<DockerEngine> {
  pending ??= startDockerEngineIfNeeded(options).then(
    (engine) => ({
      started: engine.started,
      stop: async () => {
        pending = undefined; // the next call looks again
        await engine.stop();
      },
    }),
    (err: unknown) => {
      pending = undefined;
      throw err;
    },
  );
  return pending;
}

/** ensureDockerEngine without the sharing between calls (each call pings, and may start, on its own). */
export async function startDockerEngineIfNeeded(options: EnsureDockerOptions = {}): Promise<DockerEngine> {
  const progress = options.onProgress ?? (() => {});
  const docker = options.docker ?? dockerClient();
  if (await dockerAnswers(docker)) {
    progress("Docker engine answers: reusing it");
    return { started: false, stop: async () => {} };
  }
  const logFile = options.logFile ?? stateDir("dockerd.log");
  const [command, ...args] = options.command ?? ["dockerd"];
  progress(`no Docker engine answers: starting ${command} (log ${logFile})`);
  const proc = spawnDaemon(command, args, logFile);
  let exited = false;
  proc.once("exit", () => (exited = true));
  proc.once("error", () => (exited = true));
  try {
    await waitUntil(
      async () => {
        if (exited) throw new Error(`${command} exited at start; last lines of ${logFile}:\n${tailOf(logFile)}`);
        return dockerAnswers(docker);
      },
      options.timeoutMs ?? 60_000,
      command,
    );
  } catch (err) {
    if (proc.pid !== undefined) await stopPid(proc.pid, 5_000);
    throw err;
  }
  progress(`Docker engine started (pid ${proc.pid})`);
  const pid = proc.pid;
  return {
    started: true,
    stop: async () => {
      if (pid !== undefined) await stopPid(pid, 20_000);
    },
  };
}
