/** CPU time of processes from /proc (Linux), to split a run's cost between them. */
import { readFileSync } from "node:fs";
import { dockerClient } from "@slipway/test-kit";

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux for any kernel HZ). */
const TICKS_PER_S = 100;

/** The fields of /proc/<pid>/stat after the command name; null once the process is gone. */
function statFields(pid: number): string[] | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** CPU ms in the given fields (indexes after the command name); null when unreadable. */
function ticksMs(pid: number, indexes: number[]): number | null {
  const fields = statFields(pid);
  if (!fields) return null;
  const ticks = indexes.map((i) => Number(fields[i]));
  return ticks.every(Number.isFinite) ? (ticks.reduce((x, y) => x + y, 0) * 1000) / TICKS_PER_S : null;
}

/** User + system CPU time the process used so far, ms; null once it is gone (or not on Linux). */
export function cpuMs(pid: number): number | null {
  return ticksMs(pid, [11, 12]);
}

/**
 * CPU ms of the process and of its children that ended and were waited for (cutime + cstime):
 * a service's short-lived helpers (git) counted with it; null once it is gone.
 */
export function cpuWithChildrenMs(pid: number): number | null {
  return ticksMs(pid, [11, 12, 13, 14]);
}

/** Host pid of the container publishing `hostPort` (the harness's NATS), when this host sees it. */
export async function containerPid(hostPort: number): Promise<number | null> {
  const docker = dockerClient();
  for (const c of await docker.listContainers()) {
    if (!c.Ports.some((p) => p.PublicPort === hostPort)) continue;
    const pid = (await docker.getContainer(c.Id).inspect()).State.Pid;
    return pid > 0 && cpuMs(pid) !== null ? pid : null;
  }
  return null;
}

/** Starts counting: the returned function gives the CPU ms each pid used since (null: unreadable). */
export function cpuMeter(pids: Record<string, number | null>): () => Record<string, number | null> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid === null ? null : cpuMs(pid)]));
  return () =>
    Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => {
        const from = before[name];
        const to = pid === null ? null : cpuMs(pid);
        return [name, from === null || from === undefined || to === null ? null : to - from];
      }),
    );
}
