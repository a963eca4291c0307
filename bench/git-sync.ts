/**
 * git-sync on its own: NATS (a native nats-server) and one git-sync process, webhooks published
 * as ingress publishes them, timed until their `RepoUpdated` arrives on a plain `ci.repo.>`
 * subscription. No ingress, no builders, no registry. Repos are generated bare repos
 * (`git fast-import`, then repacked as a server's would be), cloned over `file://`.
 *
 *   node --import tsx bench/git-sync.ts [--commits 10000] [--megabytes 100] [--pushes 3]
 *        [--small-commits 100] [--small-megabytes 1] [--repos 20] [--repo-kb 256] [--repo-commits 20]
 *        [--concurrency N] [--sample-ms 20] [--gap-ms 300] [--rss-slack-mb 25] [--timeout 600]
 *
 * 1. A big repo (10,000 commits, ~100 MB tree) and a small one (100 commits, ~1 MB): the first
 *    webhook (a bare clone of branches and tags + archive into the object store), then `--pushes` later pushes of one
 *    small commit each (fetch + archive). Each is also done by bench/baseline/fetch-archive.sh on
 *    its own mirror (`git clone --mirror` / `git fetch` + `git archive <sha> | wc -c`).
 *    Goal: the big repo's later push < 0.5 s (median).
 * 2. git-sync's memory meanwhile (/proc every `--sample-ms`): peak VmRSS over its level just
 *    before the webhook, and its children's (git) RSS. Goal, "flat in repo size": the big repo's
 *    push adds at most `--rss-slack-mb` more than the small repo's.
 * 3. `--repos` small repos pushed at once vs `--repos` others one at a time (publish, wait for
 *    RepoUpdated, next), first clones and then later pushes (warm mirrors): time from the first
 *    webhook to the last RepoUpdated. Goal: at once <= 0.75 x one at a time, both times.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ensureNatsServer, freePort, startService, type NatsServer, type RunningService } from "@slipway/test-kit";
import { appendCommit, generateRepo, type GeneratedRepo, type RepoShape } from "./lib/fast-import.js";
import { fetchArchive } from "./lib/fetch-archive.js";
import { cpuWithChildrenMs } from "./lib/cpu.js";
import { printReport, type Burst, type BurstRun, type CpuUsed, type Measured, type RepoRun, type Step, type Synced } from "./lib/git-sync-report.js";
import { commandSpans, peakOf, startTreeSampler, type TreeSampler } from "./lib/proc-tree.js";
import { nonce } from "./lib/repos.js";
import { median } from "./lib/report.js";
import { timeStorePuts } from "./lib/store-probe.js";
import { timeContextReads } from "./lib/read-probe.js";
import { assertUpdated, SyncBench, type SyncOutcome } from "./lib/sync-watch.js";

const GOAL_PUSH_MS = 500;
const GOAL_BURST_RATIO = 0.75;
const READ_ROUNDS = 5;
const MiB = 1024 * 1024;

const { values: args } = parseArgs({
  options: {
    commits: { type: "string", default: "10000" },
    megabytes: { type: "string", default: "100" },
    pushes: { type: "string", default: "3" },
    "small-commits": { type: "string", default: "100" },
    "small-megabytes": { type: "string", default: "1" },
    repos: { type: "string", default: "20" },
    "repo-kb": { type: "string", default: "256" },
    "repo-commits": { type: "string", default: "20" },
    concurrency: { type: "string" },
    "sample-ms": { type: "string", default: "20" },
    "gap-ms": { type: "string", default: "300" },
    "rss-slack-mb": { type: "string", default: "25" },
    timeout: { type: "string", default: "600" },
  },
  strict: true,
});

const number = (name: string, raw: string, min: number, whole = true): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || (whole && !Number.isInteger(n)) || n < min) throw new Error(`--${name} must be a ${whole ? "whole " : ""}number >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
};
const big: RepoShape = { commits: number("commits", args.commits, 1), bytes: number("megabytes", args.megabytes, 0.01, false) * MiB };
const small: RepoShape = { commits: number("small-commits", args["small-commits"], 1), bytes: number("small-megabytes", args["small-megabytes"], 0.01, false) * MiB };
const burstShape: RepoShape = { commits: number("repo-commits", args["repo-commits"], 1), bytes: number("repo-kb", args["repo-kb"], 1, false) * 1024 };
const pushCount = number("pushes", args.pushes, 1);
const repoCount = number("repos", args.repos, 1);
const concurrency = args.concurrency === undefined ? null : number("concurrency", args.concurrency, 1);
const sampleMs = number("sample-ms", args["sample-ms"], 5);
const gapMs = number("gap-ms", args["gap-ms"], 0);
const slackMb = number("rss-slack-mb", args["rss-slack-mb"], 0, false);
const timeoutMs = number("timeout", args.timeout, 1) * 1000;

const mb = (bytes: number) => (bytes / MiB).toFixed(1);
const log = (line: string) => console.error(`[git-sync] ${line}`);
const since = (t: number) => `${((performance.now() - t) / 1000).toFixed(1)} s`;

/** NATS, git-sync and what watches it; `stop` ends them and removes every temp folder. */
type Bench = {
  natsUrl: string;
  /** The baseline script's mirrors (not git-sync's). */
  scriptMirrors: string;
  sync: RunningService;
  events: SyncBench;
  memory: TreeSampler;
  /** Starts counting CPU time: the returned function gives what git-sync (with its git), NATS and this process used since. */
  cpu(): () => CpuUsed;
  /** SLIPWAY_GIT_SYNC_CONCURRENCY as git-sync's ready line reported it. */
  concurrency: number | null;
  stop(): Promise<void>;
};

async function startBench(work: string, gitRoot: string): Promise<Bench> {
  let nats: NatsServer | undefined;
  let sync: RunningService | undefined;
  let events: SyncBench | undefined;
  let memory: TreeSampler | undefined;
  const stop = async () => {
    const report = (what: string) => (err: unknown) => console.error(`cleanup (${what}):`, err instanceof Error ? err.message : err);
    memory?.stop();
    await events?.close().catch(report("watcher"));
    await sync?.stop().catch(report("git-sync"));
    await nats?.stop().catch(report("nats"));
  };
  try {
    nats = await ensureNatsServer({ host: "127.0.0.1", port: await freePort(), storeDir: join(work, "nats"), logFile: join(work, "nats.log") });
    sync = await startService("git-sync", {
      SLIPWAY_NATS_URL: nats.url,
      // file://, not a path: a path lets `git clone` hardlink the objects instead of fetching them.
      SLIPWAY_GIT_URL: `file://${gitRoot}/{name}.git`,
      SLIPWAY_GIT_DATA: join(work, "git-sync"),
      SLIPWAY_REGISTRY: "127.0.0.1:5999",
      SLIPWAY_LOG_LEVEL: "info",
      ...(concurrency === null ? {} : { SLIPWAY_GIT_SYNC_CONCURRENCY: String(concurrency) }),
    });
    events = await SyncBench.start(nats.url);
    memory = startTreeSampler(sync.pid, sampleMs);
    const ready = /"syncConcurrency":(\d+)/.exec(sync.output());
    const scriptMirrors = join(work, "script-mirrors");
    mkdirSync(scriptMirrors, { recursive: true });
    const [syncPid, natsPid] = [sync.pid, nats.pid];
    const cpu = () => {
      const read = () => ({ sync: cpuWithChildrenMs(syncPid), nats: natsPid === null ? null : cpuWithChildrenMs(natsPid), bench: process.cpuUsage() });
      const before = read();
      return (): CpuUsed => {
        const after = read();
        const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
        const bench = process.cpuUsage(before.bench);
        return { syncMs: diff(before.sync, after.sync), natsMs: diff(before.nats, after.nats), benchMs: (bench.user + bench.system) / 1000 };
      };
    };
    return { natsUrl: nats.url, scriptMirrors, sync, events, memory, cpu, concurrency: ready ? Number(ready[1]) : concurrency, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function syncOne(b: Bench, name: string, sha: string): Promise<Synced> {
  // Idle first: the sample before the webhook is git-sync's resting level.
  await sleep(gapMs);
  const cpu = b.cpu();
  const id = await b.events.push(name, sha);
  const [outcome] = await b.events.wait([id], timeoutMs);
  const used = cpu();
  assertUpdated([outcome!], [sha]);
  const { sentAt, doneAt } = outcome!;
  return { outcome: outcome!, memory: peakOf(b.memory, sentAt, doneAt), cpu: used, spans: commandSpans(b.memory, sentAt, doneAt) };
}

async function runRepo(b: Bench, repo: GeneratedRepo, tag: string): Promise<RepoRun> {
  const mirror = join(b.scriptMirrors, `${repo.name}.git`);
  log(`${repo.name}: first webhook (clone + archive), then the script's clone`);
  const first: Step = { sha: repo.sha, slipway: await syncOne(b, repo.name, repo.sha), script: await fetchArchive(repo.url, mirror, repo.sha) };
  const pushes: Step[] = [];
  for (let i = 1; i <= pushCount; i++) {
    const sha = await appendCommit(repo.bare, i, `push ${i} of run ${tag}\n`);
    // Who goes first alternates: neither always finds the pack the other just read in the page cache.
    if (i % 2 === 1) {
      const slipway = await syncOne(b, repo.name, sha);
      pushes.push({ sha, slipway, script: await fetchArchive(repo.url, mirror, sha) });
    } else {
      const script = await fetchArchive(repo.url, mirror, sha);
      pushes.push({ sha, slipway: await syncOne(b, repo.name, sha), script });
    }
    log(`${repo.name}: push ${i}/${pushCount}: git-sync ${Math.round(pushes.at(-1)!.slipway.outcome.ms)} ms, script ${Math.round(pushes.at(-1)!.script.wallMs)} ms`);
  }
  return { repo, first, pushes, mirror };
}

type Push = { name: string; sha: string };

function burstOf(b: Bench, outcomes: SyncOutcome[], cpu: CpuUsed): Burst {
  const from = Math.min(...outcomes.map((o) => o.sentAt));
  const to = Math.max(...outcomes.map((o) => o.doneAt));
  return { wallMs: to - from, perRepoMs: median(outcomes.map((o) => o.ms)), memory: peakOf(b.memory, from, to), cpu };
}

/** Every webhook published together; done at the last RepoUpdated. */
async function atOnce(b: Bench, pushes: Push[]): Promise<Burst> {
  await sleep(gapMs);
  const cpu = b.cpu();
  const ids = await Promise.all(pushes.map((p) => b.events.push(p.name, p.sha)));
  const outcomes = await b.events.wait(ids, timeoutMs);
  const used = cpu();
  assertUpdated(outcomes, pushes.map((p) => p.sha));
  return burstOf(b, outcomes, used);
}

/** One webhook, wait for its RepoUpdated, the next. */
async function oneAtATime(b: Bench, pushes: Push[]): Promise<Burst> {
  await sleep(gapMs);
  const cpu = b.cpu();
  const outcomes: SyncOutcome[] = [];
  for (const p of pushes) {
    const [outcome] = await b.events.wait([await b.events.push(p.name, p.sha)], timeoutMs);
    assertUpdated([outcome!], [p.sha]);
    outcomes.push(outcome!);
  }
  return burstOf(b, outcomes, cpu());
}

async function runBurst(b: Bench, setA: GeneratedRepo[], setB: GeneratedRepo[], tag: string): Promise<BurstRun> {
  const tips = (set: GeneratedRepo[]) => set.map((r) => ({ name: r.name, sha: r.sha }));
  log(`${setA.length} first webhooks at once (set A), then ${setB.length} one at a time (set B)`);
  const clonesAtOnce = await atOnce(b, tips(setA));
  const clonesOneByOne = await oneAtATime(b, tips(setB));
  const next = async (set: GeneratedRepo[]) => Promise.all(set.map(async (r) => ({ name: r.name, sha: await appendCommit(r.bare, 1, `burst push of run ${tag}\n`) })));
  const [pushA, pushB] = [await next(setA), await next(setB)];
  // The reverse order for the warm pushes: drift on this machine does not favour one side.
  log(`${setB.length} later pushes one at a time (set B), then ${setA.length} at once (set A)`);
  const pushesOneByOne = await oneAtATime(b, pushB);
  const pushesAtOnce = await atOnce(b, pushA);
  return { clones: { atOnce: clonesAtOnce, oneAtATime: clonesOneByOne }, pushes: { atOnce: pushesAtOnce, oneAtATime: pushesOneByOne } };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "slipway-bench-git-sync-"));
  const gitRoot = join(work, "git");
  mkdirSync(gitRoot, { recursive: true });
  let bench: Bench | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await bench?.stop();
      rmSync(work, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping`);
    void stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const tag = nonce();
    let t = performance.now();
    log(`generating the big repo: ${big.commits} commits, ~${mb(big.bytes)} MB (not measured)`);
    const bigRepo = await generateRepo(gitRoot, `big-${tag}`, big);
    log(`  ${bigRepo.files} files, ${mb(bigRepo.treeBytes)} MB in the tree, in ${since(t)}`);
    t = performance.now();
    const smallRepo = await generateRepo(gitRoot, `small-${tag}`, small);
    const setA: GeneratedRepo[] = [];
    const setB: GeneratedRepo[] = [];
    for (let i = 1; i <= repoCount; i++) {
      const n = String(i).padStart(2, "0");
      setA.push(await generateRepo(gitRoot, `burst-a${n}-${tag}`, burstShape));
      setB.push(await generateRepo(gitRoot, `burst-b${n}-${tag}`, burstShape));
    }
    log(`small repo and ${2 * repoCount} burst repos generated in ${since(t)}`);

    bench = await startBench(work, gitRoot);
    log(`git-sync pid ${bench.sync.pid}, SLIPWAY_GIT_SYNC_CONCURRENCY ${bench.concurrency ?? "?"}`);
    let result: Measured;
    try {
      // Small first: it also warms git-sync up, so the big repo's figures are not its first work.
      const smallRun = await runRepo(bench, smallRepo, tag);
      const bigRun = await runRepo(bench, bigRepo, tag);
      log("the object-store write alone, for comparison");
      const probes = await timeStorePuts(bench.natsUrl, bigRun.mirror, bigRun.pushes.at(-1)!.sha);
      log("a builder's read of the last context, and of the same tar stored plain");
      const last = bigRun.pushes.at(-1)!;
      const reads = await timeContextReads(bench.natsUrl, last.slipway.outcome.updated!.contextObject, bigRun.mirror, last.sha, READ_ROUNDS);
      const burst = await runBurst(bench, setA, setB, tag);
      result = { small: smallRun, big: bigRun, burst, probes, reads };
    } catch (err) {
      console.error(`--- git-sync (pid ${bench.sync.pid}) ---\n${bench.sync.output().trimEnd().split("\n").slice(-30).join("\n")}`);
      throw err;
    }
    const concurrencySeen = bench.concurrency;
    await stop();
    printReport(result, {
      shapes: { big, small, burst: burstShape },
      repos: repoCount,
      concurrency: concurrencySeen,
      concurrencyDefault: concurrency === null,
      goal: { pushMs: GOAL_PUSH_MS, rssSlackMb: slackMb, burstRatio: GOAL_BURST_RATIO },
    });
  } finally {
    await stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
