/**
 * Resident memory of a process and of everything it started (Linux /proc), sampled on a timer:
 * git-sync's own VmRSS and the summed RSS of its children (`git clone`, `git fetch`, `git
 * archive` and their helpers), which the kernel counts separately.
 */
import { readdirSync, readFileSync } from "node:fs";

/** kB figures of one process from /proc/<pid>/status. */
export type ProcMemory = { rssKb: number; anonKb: number; fileKb: number; hwmKb: number };

export type TreeSample = {
  /** performance.now() of the sample. */
  at: number;
  self: ProcMemory;
  /** Sums over the live descendants at that moment (0 when there are none). */
  childrenRssKb: number;
  childrenAnonKb: number;
  /** The largest descendant's RSS and its command name. */
  topChild: { comm: string; rssKb: number } | null;
  /** What the descendants were running: `git fetch`, `git archive`, `git-upload-pack`... */
  commands: string[];
};

/** VmRSS, RssAnon, RssFile (+RssShmem) and VmHWM of a pid; null once it is gone. */
export function procMemory(pid: number): ProcMemory | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rssKb: kb("VmRSS"), anonKb: kb("RssAnon"), fileKb: kb("RssFile") + kb("RssShmem"), hwmKb: kb("VmHWM") };
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

/**
 * A short label of what a process runs: the program's base name, and for `git` its subcommand
 * (the first argument that is not an option), e.g. `git fetch`.
 */
function commandOf(pid: number): string | null {
  const argv = cmdline(pid).split("\0").filter(Boolean);
  const program = argv[0]?.split("/").pop();
  if (!program) return null;
  if (program !== "git") return program;
  const verb = argv.slice(1).find((a) => !a.startsWith("-"));
  return verb ? `git ${verb}` : "git";
}

/** Direct children of every thread of `pid` (/proc/<pid>/task/<tid>/children). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ")) if (c.trim()) out.push(Number(c));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

/**
 * Every live descendant of `pid`, depth first, but for the server's side of a local clone or
 * fetch: over `file://`, git runs `git-upload-pack` (under `sh -c`, with its `pack-objects`) as a
 * child of git-sync's own git, where a real remote would run it on the server. That subtree is
 * left out, so the figures are git-sync's.
 */
export function descendants(pid: number): number[] {
  const all: number[] = [];
  const stack = childrenOf(pid);
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (cmdline(p).includes("upload-pack")) continue;
    all.push(p);
    stack.push(...childrenOf(p));
  }
  return all;
}

/**
 * One sample of `pid` and its descendants. A child still named like its parent has not exec'd
 * yet (spawn forks, then execs git): it shares the parent's pages and is left out.
 */
export function sampleTree(pid: number): TreeSample | null {
  const self = procMemory(pid);
  if (!self) return null;
  const own = comm(pid);
  let childrenRssKb = 0;
  let childrenAnonKb = 0;
  let topChild: TreeSample["topChild"] = null;
  const commands = new Set<string>();
  for (const child of descendants(pid)) {
    const name = comm(child);
    if (name === own) continue;
    const m = procMemory(child);
    if (!m) continue;
    childrenRssKb += m.rssKb;
    childrenAnonKb += m.anonKb;
    if (!topChild || m.rssKb > topChild.rssKb) topChild = { comm: commandOf(child) ?? name, rssKb: m.rssKb };
    const command = commandOf(child);
    if (command) commands.add(command);
  }
  return { at: performance.now(), self, childrenRssKb, childrenAnonKb, topChild, commands: [...commands] };
}

export type TreeSampler = {
  /** Samples taken in [from, to] (performance.now() times). */
  between(from: number, to: number): TreeSample[];
  /** The last sample taken at or before `at`. */
  before(at: number): TreeSample | undefined;
  stop(): void;
};

/** Samples `pid` and its descendants every `everyMs` until stopped; keeps every sample. */
export function startTreeSampler(pid: number, everyMs: number): TreeSampler {
  const samples: TreeSample[] = [];
  const tick = () => {
    const s = sampleTree(pid);
    if (s) samples.push(s);
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    between: (from, to) => samples.filter((s) => s.at >= from && s.at <= to),
    before: (at) => {
      for (let i = samples.length - 1; i >= 0; i--) if (samples[i]!.at <= at) return samples[i];
      return undefined;
    },
    stop: () => clearInterval(timer),
  };
}

/** Peak figures over a window of samples, against the process's own RSS just before it. */
export type MemoryPeak = {
  samples: number;
  /** git-sync's VmRSS before the window (its idle level), kB. */
  idleKb: number;
  /** Highest VmRSS of git-sync in the window, kB. */
  peakKb: number;
  /** peak - idle: what this piece of work added, kB. */
  growthKb: number;
  /** Highest RssAnon of git-sync in the window (heap and buffers, no mapped files), kB. */
  peakAnonKb: number;
  /** VmHWM at the end of the window (peak since the process started), kB. */
  hwmKb: number;
  /** Highest summed RSS / RssAnon of git-sync's child processes, kB. */
  childrenPeakKb: number;
  childrenPeakAnonKb: number;
  /** Command name of the largest child seen. */
  topChild: string | null;
};

export function peakOf(sampler: TreeSampler, from: number, to: number): MemoryPeak {
  const window = sampler.between(from, to);
  const idle = sampler.before(from) ?? window[0];
  const idleKb = idle?.self.rssKb ?? NaN;
  const max = (f: (s: TreeSample) => number) => window.reduce((a, s) => Math.max(a, f(s)), 0);
  const peakKb = max((s) => s.self.rssKb);
  let top: TreeSample["topChild"] = null;
  for (const s of window) if (s.topChild && (!top || s.topChild.rssKb > top.rssKb)) top = s.topChild;
  return {
    samples: window.length,
    idleKb,
    peakKb,
    growthKb: peakKb - idleKb,
    peakAnonKb: max((s) => s.self.anonKb),
    hwmKb: window.at(-1)?.self.hwmKb ?? NaN,
    childrenPeakKb: max((s) => s.childrenRssKb),
    childrenPeakAnonKb: max((s) => s.childrenAnonKb),
    topChild: top?.comm ?? null,
  };
}

/**
 * When each command was seen running in [from, to]: ms from `from` to its first and last sample.
 * Sampled, so each edge is known to a sample period; a command shorter than that may not show.
 */
export function commandSpans(sampler: TreeSampler, from: number, to: number): Record<string, { firstMs: number; lastMs: number }> {
  const spans: Record<string, { firstMs: number; lastMs: number }> = {};
  for (const s of sampler.between(from, to)) {
    for (const c of s.commands) {
      const span = (spans[c] ??= { firstMs: s.at - from, lastMs: s.at - from });
      span.lastMs = s.at - from;
    }
  }
  return spans;
}
