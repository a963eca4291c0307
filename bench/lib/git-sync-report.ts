/** What bench/git-sync.ts measured, and how it is printed: tables for people, one JSON line for tools. */
import { availableParallelism } from "node:os";
import type { GeneratedRepo, RepoShape } from "./fast-import.js";
import type { ScriptRun } from "./fetch-archive.js";
import type { commandSpans, MemoryPeak } from "./proc-tree.js";
import { median, printResult, round, table, verdict } from "./report.js";
import type { StoreProbe } from "./store-probe.js";
import type { ReadProbe } from "./read-probe.js";
import type { SyncOutcome } from "./sync-watch.js";

/** CPU ms used during a piece of work; null where a process could not be read. */
export type CpuUsed = { syncMs: number | null; natsMs: number | null; benchMs: number };

/**
 * One webhook through git-sync: its outcome, git-sync's memory and CPU while it ran, and when its
 * git commands were seen running (ms after the webhook, sampled).
 */
export type Synced = { outcome: SyncOutcome; memory: MemoryPeak; cpu: CpuUsed; spans: ReturnType<typeof commandSpans> };
/** One push done by git-sync and by the script, on their own mirrors. */
export type Step = { sha: string; slipway: Synced; script: ScriptRun };
export type RepoRun = { repo: GeneratedRepo; first: Step; pushes: Step[]; mirror: string };
export type Burst = { wallMs: number; perRepoMs: number; memory: MemoryPeak; cpu: CpuUsed };
export type BurstPair = { atOnce: Burst; oneAtATime: Burst };
export type BurstRun = { clones: BurstPair; pushes: BurstPair };

export type ReportSettings = {
  shapes: { big: RepoShape; small: RepoShape; burst: RepoShape };
  repos: number;
  /** SLIPWAY_GIT_SYNC_CONCURRENCY as git-sync reported it, and whether it was its default. */
  concurrency: number | null;
  concurrencyDefault: boolean;
  goal: { pushMs: number; rssSlackMb: number; burstRatio: number };
};

export type Measured = { small: RepoRun; big: RepoRun; burst: BurstRun; probes: StoreProbe[]; reads: ReadProbe };

const MiB = 1024 * 1024;
const mb = (kb: number) => (kb / 1024).toFixed(1);
const sec = (ms: number) => (ms / 1000).toFixed(3);
const ratio = (a: number, b: number) => (a / b).toFixed(3);
const short = (r: RepoRun) => r.repo.name.replace(/-[0-9a-f]+$/, "");
const pushMedian = (r: RepoRun) => median(r.pushes.map((p) => p.slipway.outcome.ms));
const scriptPushMedian = (r: RepoRun) => median(r.pushes.map((p) => p.script.wallMs));
/** The highest RSS growth over the repo's later pushes: the figure "flat in repo size" compares. */
const pushGrowthKb = (r: RepoRun) => Math.max(...r.pushes.map((p) => p.slipway.memory.growthKb));
const cpuMs = (n: number | null) => (n === null ? "-" : String(Math.round(n)));
/** Share of the machine's cores the work kept busy (git-sync with its git, NATS, this process). */
const busy = (b: Burst) => (100 * ((b.cpu.syncMs ?? 0) + (b.cpu.natsMs ?? 0) + b.cpu.benchMs)) / (b.wallMs * availableParallelism());

const GIT_COMMANDS = ["git clone", "git fetch", "git archive"] as const;
/** `clone 12-380, archive 400-850`: when git-sync's mirror and archive commands ran, ms after the webhook. */
const gitSpans = ({ spans }: Synced) =>
  GIT_COMMANDS.flatMap((c) => (spans[c] ? [`${c.slice(4)} ${Math.round(spans[c].firstMs)}-${Math.round(spans[c].lastMs)}`] : [])).join(", ") || "-";
const spansJson = ({ spans }: Synced) => Object.fromEntries(GIT_COMMANDS.flatMap((c) => (spans[c] ? [[c.slice(4), [round(spans[c].firstMs), round(spans[c].lastMs)]]] : [])));

const memoryJson = (m: MemoryPeak) => ({
  idleMb: round(m.idleKb / 1024, 1),
  peakMb: round(m.peakKb / 1024, 1),
  growthMb: round(m.growthKb / 1024, 1),
  peakAnonMb: round(m.peakAnonKb / 1024, 1),
  hwmMb: round(m.hwmKb / 1024, 1),
  childrenPeakMb: round(m.childrenPeakKb / 1024, 1),
  childrenPeakAnonMb: round(m.childrenPeakAnonKb / 1024, 1),
  topChild: m.topChild,
  samples: m.samples,
});
const cpuJson = (c: CpuUsed) => ({ gitSync: c.syncMs === null ? null : round(c.syncMs), nats: c.natsMs === null ? null : round(c.natsMs), bench: round(c.benchMs) });

function repoJson(r: RepoRun) {
  const first = r.first.slipway.outcome.ms;
  return {
    name: r.repo.name,
    files: r.repo.files,
    treeMb: round(r.repo.treeBytes / MiB, 1),
    contextBytes: r.first.slipway.outcome.updated?.contextBytes ?? null,
    scriptArchiveBytes: r.first.script.bytes,
    firstCloneMs: round(first),
    scriptFirstCloneMs: round(r.first.script.wallMs),
    pushMs: r.pushes.map((p) => round(p.slipway.outcome.ms)),
    pushMedianMs: round(pushMedian(r)),
    scriptPushMs: r.pushes.map((p) => round(p.script.wallMs)),
    scriptPushMedianMs: round(scriptPushMedian(r)),
    pushOverFirstClone: round(pushMedian(r) / first, 3),
    firstCloneOverScript: round(first / r.first.script.wallMs, 3),
    pushOverScript: round(pushMedian(r) / scriptPushMedian(r), 3),
    gitSeenMs: { firstClone: spansJson(r.first.slipway), pushes: r.pushes.map((p) => spansJson(p.slipway)) },
    cpuMs: { firstClone: cpuJson(r.first.slipway.cpu), pushes: r.pushes.map((p) => cpuJson(p.slipway.cpu)) },
    rss: { firstClone: memoryJson(r.first.slipway.memory), pushes: r.pushes.map((p) => memoryJson(p.slipway.memory)), pushGrowthMaxMb: round(pushGrowthKb(r) / 1024, 1) },
  };
}

const burstJson = (x: BurstPair) => ({
  atOnceMs: round(x.atOnce.wallMs),
  oneAtATimeMs: round(x.oneAtATime.wallMs),
  ratio: round(x.atOnce.wallMs / x.oneAtATime.wallMs, 3),
  medianSyncMs: { atOnce: round(x.atOnce.perRepoMs), oneAtATime: round(x.oneAtATime.perRepoMs) },
  cpuMs: { atOnce: cpuJson(x.atOnce.cpu), oneAtATime: cpuJson(x.oneAtATime.cpu) },
  busyPercent: { atOnce: round(busy(x.atOnce)), oneAtATime: round(busy(x.oneAtATime)) },
  peakRssMb: round(x.atOnce.memory.peakKb / 1024, 1),
});

export function printReport(m: Measured, o: ReportSettings): void {
  const { small: s, big: g, burst, probes, reads } = m;
  const bigPush = pushMedian(g);
  const pushMet = bigPush < o.goal.pushMs;
  const diffKb = pushGrowthKb(g) - pushGrowthKb(s);
  const rssMet = diffKb / 1024 <= o.goal.rssSlackMb;
  const cloneRatio = burst.clones.atOnce.wallMs / burst.clones.oneAtATime.wallMs;
  const warmRatio = burst.pushes.atOnce.wallMs / burst.pushes.oneAtATime.wallMs;
  const burstMet = cloneRatio <= o.goal.burstRatio && warmRatio <= o.goal.burstRatio;

  console.log(
    `\ngit-sync: webhook -> RepoUpdated, one git-sync (SLIPWAY_GIT_SYNC_CONCURRENCY ${o.concurrency ?? "?"}${o.concurrencyDefault ? ", its default" : ""}), ` +
      `native NATS, ${availableParallelism()} cores; script = fetch-archive.sh\n`,
  );
  const stepRow = (repo: string, label: string, x: Step) => [
    repo,
    label,
    sec(x.slipway.outcome.ms),
    sec(x.script.wallMs),
    ratio(x.slipway.outcome.ms, x.script.wallMs),
    `${x.script.fetchMs}+${x.script.archiveMs}`,
    gitSpans(x.slipway),
    `${cpuMs(x.slipway.cpu.syncMs)} / ${cpuMs(x.slipway.cpu.natsMs)}`,
    mb((x.slipway.outcome.updated?.contextBytes ?? 0) / 1024),
  ];
  const timeRows = (r: RepoRun) => [
    stepRow(`${short(r)} (${r.repo.files} files, ${mb(r.repo.treeBytes / 1024)} MB)`, "first clone", r.first),
    ...r.pushes.map((p, i) => stepRow("", `push ${i + 1}`, p)),
    ["", "push median", sec(pushMedian(r)), sec(scriptPushMedian(r)), ratio(pushMedian(r), scriptPushMedian(r)), "", "", "", ""],
  ];
  console.log(
    table([
      ["repo", "webhook", "git-sync s", "script s", "git-sync/script", "script fetch+archive ms", "git-sync's git seen at ms", "CPU ms git-sync+git / nats", "context MB"],
      ...timeRows(s),
      ...timeRows(g),
    ]),
  );

  console.log("");
  const memRow = (label: string, step: string, x: MemoryPeak) => [label, step, `${mb(x.idleKb)} -> ${mb(x.peakKb)}`, mb(x.growthKb), mb(x.peakAnonKb), mb(x.hwmKb), `${mb(x.childrenPeakKb)} (${mb(x.childrenPeakAnonKb)})`, x.topChild ?? "-", x.samples];
  const memRows = (r: RepoRun) => [memRow(short(r), "first clone", r.first.slipway.memory), ...r.pushes.map((p, i) => memRow("", `push ${i + 1}`, p.slipway.memory))];
  console.log(
    table([
      ["repo", "webhook", "git-sync RSS idle -> peak MB", "growth MB", "peak anon MB", "VmHWM MB", "children peak RSS (anon) MB", "largest child", "samples"],
      ...memRows(s),
      ...memRows(g),
      memRow(`${o.repos} repos at once`, "first clones", burst.clones.atOnce.memory),
      memRow("", "later pushes", burst.pushes.atOnce.memory),
    ]),
  );

  console.log("");
  const cpuCell = (b: Burst) => `${cpuMs(b.cpu.syncMs)}/${cpuMs(b.cpu.natsMs)}/${cpuMs(b.cpu.benchMs)} (${Math.round(busy(b))} %)`;
  const burstRow = (step: string, x: BurstPair) => [step, sec(x.atOnce.wallMs), sec(x.oneAtATime.wallMs), ratio(x.atOnce.wallMs, x.oneAtATime.wallMs), `${Math.round(x.atOnce.perRepoMs)} / ${Math.round(x.oneAtATime.perRepoMs)}`, cpuCell(x.atOnce), cpuCell(x.oneAtATime)];
  const shape = o.shapes.burst;
  console.log(
    table([
      [`${o.repos} repos (${shape.commits} commits, ${mb(shape.bytes / 1024)} MB)`, "at once s", "one at a time s", "at once / one", "median sync ms (at once / one)", "CPU ms git-sync+git/nats/bench (busy) at once", "one at a time"],
      burstRow("first clones", burst.clones),
      burstRow("later pushes (warm mirrors)", burst.pushes),
    ]),
  );

  console.log("");
  console.log(`big repo, later push (fetch + archive), median: ${Math.round(bigPush)} ms (goal < ${o.goal.pushMs} ms: ${verdict(pushMet)}); ${ratio(bigPush, g.first.slipway.outcome.ms)} x its first clone; ${ratio(bigPush, scriptPushMedian(g))} x the script`);
  if (probes.length > 0) console.log("the object-store write alone: git archive of the big tip streamed from the bench process into the contexts bucket");
  for (const probe of probes) {
    console.log(
      `  SHA-256 ${probe.backend}, ${probe.chunkBytes / 1024} KiB chunks${probe === probes[0] ? " (the library's default)" : ""}: ` +
        `${Math.round(probe.ms)} ms for ${mb(probe.bytes / 1024)} MB (${(probe.bytes / MiB / (probe.ms / 1000)).toFixed(0)} MB/s)`,
    );
  }
  const [splicedRead, plainRead] = [median(reads.splicedMs), median(reads.plainMs)];
  console.log(
    `a builder's read of the big repo's last context (${mb(reads.bytes / 1024)} MB of tar, ${mb(reads.storedBytes / 1024)} MB in the object itself), median of ${reads.splicedMs.length}: ` +
      `${Math.round(splicedRead)} ms; the same tar stored plain ${Math.round(plainRead)} ms (${ratio(splicedRead, plainRead)})`,
  );
  console.log(`RSS growth during a later push: big ${mb(pushGrowthKb(g))} MB, small ${mb(pushGrowthKb(s))} MB, difference ${mb(diffKb)} MB (goal <= ${o.goal.rssSlackMb} MB, flat in repo size: ${verdict(rssMet)})`);
  console.log(`${o.repos} repos at once / one at a time: first clones ${cloneRatio.toFixed(3)}, later pushes ${warmRatio.toFixed(3)} (goal <= ${o.goal.burstRatio}: ${verdict(burstMet)})`);
  console.log("");
  printResult({
    bench: "git-sync",
    concurrency: o.concurrency,
    cores: availableParallelism(),
    shapes: Object.fromEntries(Object.entries(o.shapes).map(([k, v]) => [k, { commits: v.commits, megabytes: round(v.bytes / MiB, 3) }])),
    repos: o.repos,
    goal: o.goal,
    big: repoJson(g),
    small: repoJson(s),
    push: { medianMs: round(bigPush), met: pushMet },
    contextRead: { splicedMs: round(splicedRead), plainMs: round(plainRead), ratio: round(splicedRead / plainRead, 3), tarBytes: reads.bytes, storedBytes: reads.storedBytes },
    storePutAlone: probes.map((p) => ({ sha256: p.backend, chunkBytes: p.chunkBytes, ms: round(p.ms), bytes: p.bytes })),
    rss: { bigPushGrowthMb: round(pushGrowthKb(g) / 1024, 1), smallPushGrowthMb: round(pushGrowthKb(s) / 1024, 1), differenceMb: round(diffKb / 1024, 1), met: rssMet },
    burst: { clones: burstJson(burst.clones), pushes: burstJson(burst.pushes), met: burstMet },
    met: pushMet && rssMet && burstMet,
  });
}
