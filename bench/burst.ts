/**
 * Burst: N pushes to N repos at once. Slipway's time runs from the first webhook sent until every
 * build's ImagePushed (all four tags in the registry); the baseline is bench/baseline/build-one.sh
 * over N other repos (other stamp content, so no shared layer cache) under `xargs -P 4`.
 *
 *   node --import tsx bench/burst.ts [--repos 20] [--builders 2] [--concurrency 2] [--parallel 4]
 *                                    [--sweep 1,2,3,4] [--timeout 600] [--baseline-labels]
 *
 * With --sweep, one (slipway, baseline) pair runs per concurrency value, builders restarted
 * with that SLIPWAY_BUILD_CONCURRENCY; goal: slipway / baseline <= 1.1. --baseline-labels gives the
 * baseline the six image labels slipway adds (a diagnostic: each is a LABEL step in the legacy builder).
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runBaseline, type BaselineEnv } from "./lib/baseline.js";
import { sendPush } from "./lib/hook.js";
import { createRepo, expectedTags, missingTags, nonce, stampDockerfile } from "./lib/repos.js";
import { median, printResult, round, seconds, table, verdict } from "./lib/report.js";
import { withSystem, type System } from "./lib/system.js";
import { BuildWatcher, type BuildRecord } from "./lib/watch.js";

const GOAL = 1.1;

const { values: args } = parseArgs({
  options: {
    repos: { type: "string", default: "20" },
    builders: { type: "string", default: "2" },
    concurrency: { type: "string", default: "2" },
    parallel: { type: "string", default: "4" },
    sweep: { type: "string" },
    "baseline-labels": { type: "boolean", default: false },
    timeout: { type: "string", default: "600" },
  },
  strict: true,
});

const positive = (name: string, raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number >= 1, got ${JSON.stringify(raw)}`);
  return n;
};
const repos = positive("repos", args.repos);
const builders = positive("builders", args.builders);
const parallel = positive("parallel", args.parallel);
const timeoutMs = positive("timeout", args.timeout) * 1000;
const concurrencies = (args.sweep ?? args.concurrency).split(",").map((c) => positive("concurrency", c.trim()));

type Point = {
  concurrency: number;
  slipwayMs: number;
  baselineMs: number;
  ratio: number;
  /** Medians over the burst's builds, ms: webhook->queued, queued->started, started->built, built->pushed. */
  slipwayPhases: { sync: number; wait: number; build: number; push: number };
  /** Medians over the baseline's jobs, ms. */
  baselinePhases: { fetch: number; build: number; push: number; total: number };
};

/** N repos with one commit each: the bench Dockerfile and a stamp unique to `who` and this run. */
function makeRepos(system: System, prefix: string, who: string, count: number): { name: string; sha: string }[] {
  const tag = nonce();
  return Array.from({ length: count }, (_, i) => {
    const name = `${prefix}-${String(i + 1).padStart(2, "0")}`;
    const repo = createRepo(system.gitRoot, name);
    const sha = repo.commit({ Dockerfile: stampDockerfile(system.base), "stamp.txt": `${who} ${tag} ${name}\n` });
    return { name, sha };
  });
}

function assertSucceeded(builds: BuildRecord[]): void {
  const failed = builds.filter((b) => b.failure !== null || b.at.pushed === undefined);
  if (failed.length > 0) throw new Error(`slipway: ${failed.length} build(s) failed: ${failed.map((b) => `${b.repoName}: ${JSON.stringify(b.failure)}`).join("; ")}`);
}

async function assertInRegistry(system: System, pushes: { name: string; sha: string }[], who: string): Promise<void> {
  const missing = await missingTags(system.registry.url, pushes.map((p) => ({ name: p.name, tags: expectedTags(p.sha, 1) })));
  if (missing.length > 0) throw new Error(`${who}: tags missing from the registry: ${missing.join(", ")}`);
}

/** Sends every webhook at once; resolves with the time the first was sent and the finished builds. */
async function slipwayBurst(system: System, watcher: BuildWatcher, pushes: { name: string; sha: string }[]): Promise<{ startedAt: number; builds: BuildRecord[] }> {
  const startedAt = Date.now();
  await Promise.all(pushes.map((p) => sendPush(system.hookUrl, p.name, p.sha)));
  const builds = await watcher.waitFor(pushes, timeoutMs);
  return { startedAt, builds };
}

async function warmUp(system: System, watcher: BuildWatcher, baselineEnv: BaselineEnv, label: string): Promise<void> {
  const s = makeRepos(system, `warm-${label}-s`, "slipway-warmup", 1);
  assertSucceeded((await slipwayBurst(system, watcher, s)).builds);
  const b = makeRepos(system, `warm-${label}-b`, "baseline-warmup", 1);
  await runBaseline(baselineEnv, b.map((p) => ({ ...p, buildNumber: 1 })), 1);
}

const phase = (builds: BuildRecord[], from: keyof BuildRecord["at"], to: keyof BuildRecord["at"]) =>
  median(builds.map((b) => (b.at[to] ?? NaN) - (b.at[from] ?? NaN)).filter(Number.isFinite));

async function main(): Promise<void> {
  const points: Point[] = [];
  await withSystem({ builders, concurrency: concurrencies[0]! }, async (system) => {
    const watcher = await BuildWatcher.start(system.natsUrl);
    const baselineEnv: BaselineEnv = { gitRoot: system.gitRoot, mirrors: join(system.work, "baseline-mirrors"), registry: system.registry.address, labels: args["baseline-labels"] };
    try {
      for (const [i, concurrency] of concurrencies.entries()) {
        if (i > 0) await system.setBuilders(builders, concurrency);
        const run = nonce(3);
        console.error(`[burst] concurrency ${concurrency}: warm-up`);
        await warmUp(system, watcher, baselineEnv, run);

        const slipwayPushes = makeRepos(system, `burst-${run}-s`, "slipway", repos);
        console.error(`[burst] concurrency ${concurrency}: slipway, ${repos} pushes at once (${builders} builder(s) x ${concurrency})`);
        const { startedAt, builds } = await slipwayBurst(system, watcher, slipwayPushes);
        assertSucceeded(builds);
        const slipwayMs = Math.max(...builds.map((b) => b.at.pushed!)) - startedAt;
        await assertInRegistry(system, slipwayPushes, "slipway");

        const baselinePushes = makeRepos(system, `burst-${run}-b`, "baseline", repos);
        console.error(`[burst] concurrency ${concurrency}: baseline, ${repos} jobs under xargs -P ${parallel}`);
        const baseline = await runBaseline(baselineEnv, baselinePushes.map((p) => ({ ...p, buildNumber: 1 })), parallel);
        await assertInRegistry(system, baselinePushes, "baseline");

        const point: Point = {
          concurrency,
          slipwayMs: round(slipwayMs),
          baselineMs: round(baseline.wallMs),
          ratio: round(slipwayMs / baseline.wallMs, 3),
          slipwayPhases: {
            sync: round(phase(builds, "webhook", "queued")),
            wait: round(phase(builds, "queued", "started")),
            build: round(phase(builds, "started", "built")),
            push: round(phase(builds, "built", "pushed")),
          },
          baselinePhases: {
            fetch: round(median(baseline.jobs.map((j) => j.fetchMs))),
            build: round(median(baseline.jobs.map((j) => j.buildMs))),
            push: round(median(baseline.jobs.map((j) => j.pushMs))),
            total: round(median(baseline.jobs.map((j) => j.totalMs))),
          },
        };
        points.push(point);
        console.error(`[burst] concurrency ${concurrency}: slipway ${seconds(slipwayMs)} s, baseline ${seconds(baseline.wallMs)} s, ratio ${point.ratio}`);
      }
      if (watcher.undecodable > 0) console.error(`[burst] warning: ${watcher.undecodable} message(s) did not decode as events`);
    } finally {
      await watcher.close();
    }
  });

  console.log(`\nburst: ${repos} pushes at once, 4 tags each; slipway ${builders} builder(s); baseline build-one.sh under xargs -P ${parallel}${args["baseline-labels"] ? ", with slipway's labels" : ""}\n`);
  console.log(
    table([
      ["concurrency", "slipway s", "baseline s", "ratio", `goal <= ${GOAL}`, "s: sync/wait/build/push ms (median)", "b: fetch/build/push ms (median)"],
      ...points.map((p) => [
        p.concurrency,
        seconds(p.slipwayMs),
        seconds(p.baselineMs),
        p.ratio.toFixed(3),
        verdict(p.ratio <= GOAL),
        `${p.slipwayPhases.sync}/${p.slipwayPhases.wait}/${p.slipwayPhases.build}/${p.slipwayPhases.push}`,
        `${p.baselinePhases.fetch}/${p.baselinePhases.build}/${p.baselinePhases.push}`,
      ]),
    ]),
  );
  console.log("");
  const best = points.reduce((a, b) => (b.ratio < a.ratio ? b : a));
  printResult({ bench: "burst", repos, builders, baselineParallel: parallel, baselineLabels: args["baseline-labels"], goal: GOAL, points, bestConcurrency: best.concurrency, bestRatio: best.ratio, met: best.ratio <= GOAL });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
