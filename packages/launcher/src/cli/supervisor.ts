import { isReadyLine } from "../lines.js";
import { spawnChild, type Child } from "../processes.js";
import { HEALTHY_RUN_MS, restartDelayMs } from "./backoff.js";
import type { PidFiles } from "./pid-files.js";

export type SupervisedOptions = {
  name: string;
  entry: string;
  env: Record<string, string>;
  cwd: string;
  logFile: string;
  /** Each output line, e.g. printed with a `[name]` prefix. */
  onLine: (line: string) => void;
  /** Launcher messages about this service. */
  say: (message: string) => void;
  readyTimeoutMs?: number;
  /** Where the pid of the running process is kept (`<name>.pid`), rewritten at each restart. */
  pidFiles?: PidFiles;
};

/**
 * Keeps one service process running: `start` resolves on its first "ready" (rejects with its
 * output if it fails to get there); afterwards an unexpected exit is reported and the service
 * restarted with backoff, as a CI system should keep running.
 */
export class Supervised {
  private child: Child | undefined;
  private stopping = false;
  /** Restarts only begin after a first successful start; a failed first start is the caller's to report. */
  private started = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SupervisedOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const child = this.spawn();
    await child.waitForLine(isReadyLine, this.options.readyTimeoutMs ?? 60_000);
    this.started = true;
  }

  /** SIGTERM the service (SIGKILL after 20 s) and stop restarting it. */
  async stop(): Promise<number | null> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    return (await this.child?.stop(20_000)) ?? null;
  }

  /** Immediate SIGKILL, for a second Ctrl-C. */
  kill(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.child?.pid && this.child.pid > 0) {
      try {
        process.kill(this.child.pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
  }

  private spawn(): Child {
    const o = this.options;
    const startedAt = Date.now();
    const child = spawnChild({
      name: o.name,
      command: process.execPath,
      args: [o.entry],
      env: o.env,
      cwd: o.cwd,
      detached: true,
      logFile: o.logFile,
      onLine: (line) => o.onLine(line),
    });
    this.child = child;
    if (child.pid > 0) o.pidFiles?.write(o.name, child.pid);
    void child.exited.then((exit) => {
      o.pidFiles?.remove(o.name, child.pid);
      if (this.stopping || !this.started || this.child !== child) return;
      this.failures = Date.now() - startedAt > HEALTHY_RUN_MS ? 1 : this.failures + 1;
      const delay = restartDelayMs(this.failures);
      o.say(`${o.name} exited unexpectedly (code ${exit.code}, signal ${exit.signal}); restarting in ${delay / 1000} s`);
      this.restartTimer = setTimeout(() => {
        if (this.stopping) return;
        this.spawn()
          .waitForLine(isReadyLine, o.readyTimeoutMs ?? 60_000)
          .then(
            () => o.say(`${o.name} is ready again`),
            () => {}, // its exit schedules the next attempt
          );
      }, delay);
    });
    return child;
  }
}
