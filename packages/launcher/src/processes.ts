import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, createWriteStream, mkdirSync, openSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import { isReadyLine, lineSplitter } from "./lines.js";

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** How to run one child process. */
export type ChildOptions = {
  /** Short name, used in messages. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Own process group: a Ctrl-C in the terminal then reaches only the parent, which stops its
   * children in order (services before the NATS server they drain into).
   */
  detached?: boolean;
  /** Each whole output line (stdout and stderr), e.g. to prefix it onto the console. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Output is also appended to this file. */
  logFile?: string;
};

/** A running child process with its collected output. */
export type Child = {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves once, when the process has exited. */
  readonly exited: Promise<Exit>;
  /** Everything it printed so far (stdout and stderr, interleaved by arrival). */
  output(): string;
  /** Resolves at the first line matching `match`; rejects if the process exits first or on timeout. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed by a signal). */
  stop(graceMs?: number): Promise<number | null>;
};

/** Output kept in memory per child; older output is dropped beyond this. */
const MAX_OUTPUT = 4 * 1024 * 1024;

/** Spawns a child whose stdout/stderr are piped, split into lines, collected and optionally logged. */
export function spawnChild(options: ChildOptions): Child {
  let log: WriteStream | undefined;
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    log = createWriteStream(options.logFile, { flags: "a" });
  }
  const proc = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: options.detached ?? false,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const lineWaiters = new Set<(line: string) => void>();
  const attach = (stream: "stdout" | "stderr") => {
    const splitter = lineSplitter();
    const emit = (line: string) => {
      output += line + "\n";
      if (output.length > MAX_OUTPUT) output = output.slice(-MAX_OUTPUT / 2);
      log?.write(line + "\n");
      options.onLine?.(line, stream);
      for (const waiter of lineWaiters) waiter(line);
    };
    const source = proc[stream];
    source?.setEncoding("utf8");
    source?.on("data", (chunk: string) => splitter.push(chunk).forEach(emit));
    source?.on("end", () => splitter.flush().forEach(emit));
  };
  attach("stdout");
  attach("stderr");

  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    proc.once("error", (err) => {
      output += `${options.name}: ${err.message}\n`;
      exit = { code: 127, signal: null };
      resolve(exit);
    });
    proc.once("close", (code, signal) => {
      exit = { code, signal };
      log?.end();
      resolve(exit);
    });
  });

  const waitForLine = (match: (line: string) => boolean, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (output.split("\n").some(match)) return resolve();
      const fail = (why: string) => {
        cleanup();
        reject(new Error(`${options.name}: ${why}\n--- output ---\n${output}`));
      };
      const timer = setTimeout(() => fail(`not ready after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
      const waiter = (line: string) => {
        if (!match(line)) return;
        cleanup();
        resolve();
      };
      const onExit = (e: Exit) => fail(`exited (code ${e.code}, signal ${e.signal}) before it was ready`);
      const cleanup = () => {
        clearTimeout(timer);
        lineWaiters.delete(waiter);
        exitListeners.delete(onExit);
      };
      lineWaiters.add(waiter);
      exitListeners.add(onExit);
    });
  const exitListeners = new Set<(e: Exit) => void>();
  void exited.then((e) => exitListeners.forEach((l) => l(e)));

  const stop = async (graceMs = 20_000): Promise<number | null> => {
    if (!exit) {
      signal(proc, "SIGTERM");
      const timer = setTimeout(() => signal(proc, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
    return (await exited).code;
  };

  return { name: options.name, pid: proc.pid ?? -1, process: proc, exited, output: () => output, waitForLine, stop };
}

function signal(proc: ChildProcess, sig: NodeJS.Signals): void {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  try {
    // The child only, not its group: what it started is its own business to stop.
    process.kill(proc.pid, sig);
  } catch {
    // Already gone.
  }
}

/**
 * Starts a long-lived server detached from us, output appended to `logFile`, surviving our exit
 * (e.g. the Docker engine, which later test runs reuse).
 */
export function spawnDaemon(command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, "a");
  try {
    const proc = spawn(command, args, { detached: true, stdio: ["ignore", fd, fd], env });
    proc.unref();
    return proc;
  } finally {
    closeSync(fd);
  }
}

/** Whether a pid is alive (signal 0 probes without touching it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** SIGTERM a pid we started, wait for it to go, SIGKILL after `graceMs`. */
export async function stopPid(pid: number, graceMs = 20_000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export { isReadyLine };
