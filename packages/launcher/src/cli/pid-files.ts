import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * `<stateDir>/run/<name>.pid`: the pid of each process the launcher runs now (every service
 * process, and the NATS server and registry when it started them). Rewritten at every restart,
 * removed when that process exits, so an operator or a fault-injection run can signal one part
 * (`kill -9 "$(cat .slipway/run/builder-1.pid)"`) without searching the process table.
 */
export class PidFiles {
  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, `${name}.pid`);
  }

  write(name: string, pid: number): void {
    mkdirSync(this.dir, { recursive: true });
    // Written aside and renamed: a reader never sees a half-written pid.
    const temp = `${this.path(name)}.${process.pid}.tmp`;
    writeFileSync(temp, `${pid}\n`);
    renameSync(temp, this.path(name));
  }

  /** The pid `<name>.pid` names now, or null. */
  read(name: string): number | null {
    return readPidFile(this.path(name));
  }

  /** Removes the file if it still names `pid` (the restarted process may have written its own). */
  remove(name: string, pid: number): void {
    if (readPidFile(this.path(name)) === pid) rmSync(this.path(name), { force: true });
  }
}

/** The launcher's pid files under its state folder (SLIPWAY_STATE_DIR). */
export function launcherPidFiles(stateDir: string): PidFiles {
  return new PidFiles(join(stateDir, "run"));
}

/** The pid a pid file names, or null when it is missing or unreadable. */
export function readPidFile(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
