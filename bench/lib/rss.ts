/** Samples processes' resident memory from /proc (Linux), as `ps` would see it. */
import { readFileSync } from "node:fs";

/**
 * `anonKb` (RssAnon) is the process's own memory; the rest of VmRSS is mostly file pages it maps
 * (e.g. a database file read through a mapping: page cache the kernel can drop, not allocations).
 */
export type MemorySample = { at: number; rssKb: number; hwmKb: number; anonKb: number };

/** VmRSS, VmHWM (peak RSS since start) and RssAnon of a pid, in kB; null once it is gone. */
export function readMemory(pid: number): { rssKb: number; hwmKb: number; anonKb: number } | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM"), anonKb: kb("RssAnon") };
}

export type Sampler = {
  samples(pid: number): MemorySample[];
  stop(): void;
};

/** Samples every pid every `everyMs` until stopped. */
export function sampleMemory(pids: number[], everyMs = 100): Sampler {
  const byPid = new Map<number, MemorySample[]>(pids.map((p) => [p, []]));
  const tick = () => {
    const at = Date.now();
    for (const [pid, list] of byPid) {
      const m = readMemory(pid);
      if (m) list.push({ at, ...m });
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return { samples: (pid) => byPid.get(pid) ?? [], stop: () => clearInterval(timer) };
}
