/**
 * One push on an idle system: webhook -> every tag pushed (ImagePushed: sha, build number, branch,
 * latest), against bench/baseline/build-one.sh building and pushing the same four tags one by one.
 * Pairs alternate (slipway, baseline); every build commits fresh stamp content, and the two sides
 * use their own repos, so neither hits the other's layer cache. One unmeasured warm-up each first
 * (the first push of a repo clones it; later ones fetch, on both sides).
 *
 *   node --import tsx bench/one-push.ts [--pairs 10] [--builders 2] [--concurrency 2] [--gap-ms 500]
 *                                       [--baseline-labels]  (the baseline adds slipway's six image labels)
 *
 * Goal: median(slipway / baseline) <= 1.0.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { runBaseline, type BaselineEnv, type BaselineTiming } from "./lib/baseline.js";
import { sendPush } from "./lib/hook.js";
import { createRepo, expectedTags, missingTags, nonce, stampDockerfile, type BenchRepo } from "./lib/repos.js";
import { median, printResult, round, seconds, table, verdict } from "./lib/report.js";
import { withSystem, type System } from "./lib/system.js";
import { BuildWatcher, type BuildRecord } from "./lib/watch.js";

const GOAL = 1.0;

const { values: args } = parseArgs({
  options: {
    pairs: { type: "string", default: "10" },
    builders: { type: "string", default: "2" },
    concurrency: { type: "string", default: "2" },
    "gap-ms": { type: "string", default: "500" },
    "baseline-labels": { type: "boolean", default: false },
    timeout: { type: "string", default: "300" },
  },
  strict: true,
});

const whole = (name: string, raw: string, min = 1): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
};
const pairs = whole("pairs", args.pairs);
const builders = whole("builders", args.builders);
const concurrency = whole("concurrency", args.concurrency);
const gapMs = whole("gap-ms", args["gap-ms"], 0);
const timeoutMs = whole("timeout", args.timeout) * 1000;

type Side = { repo: BenchRepo; builds: number; label: string };

function commitFresh(system: System, side: Side): string {
  side.builds++;
  return side.repo.commit({ Dockerfile: stampDockerfile(system.base), "stamp.txt": `${side.label} ${nonce(8)} build ${side.builds}\n` });
}

async function assertTags(system: System, name: string, sha: string, buildNumber: number, who: string): Promise<void> {
  const missing = await missingTags(system.registry.url, [{ name, tags: expectedTags(sha, buildNumber) }]);
  if (missing.length > 0) throw new Error(`${who}: tags missing from the registry: ${missing.join(", ")}`);
}

async function slipwayOnce(system: System, watcher: BuildWatcher, side: Side): Promise<{ ms: number; build: BuildRecord }> {
  const sha = commitFresh(system, side);
  const sentAt = Date.now();
  await sendPush(system.hookUrl, side.repo.name, sha);
  const [build] = await watcher.waitFor([{ name: side.repo.name, sha }], timeoutMs);
  if (!build || build.at.pushed === undefined) throw new Error(`slipway: build of ${side.repo.name}@${sha} failed: ${JSON.stringify(build?.failure)}`);
  const ms = build.at.pushed - sentAt;
  await assertTags(system, side.repo.name, sha, build.buildNumber, "slipway");
  return { ms, build };
}

async function baselineOnce(system: System, env: BaselineEnv, side: Side): Promise<{ ms: number; job: BaselineTiming }> {
  const sha = commitFresh(system, side);
  const run = await runBaseline(env, [{ name: side.repo.name, sha, buildNumber: side.builds }], 1);
  await assertTags(system, side.repo.name, sha, side.builds, "baseline");
  return { ms: run.wallMs, job: run.jobs[0]! };
}

async function main(): Promise<void> {
  type Pair = { slipwayMs: number; baselineMs: number; ratio: number; s: BuildRecord; b: BaselineTiming };
  const results: Pair[] = [];
  await withSystem({ builders, concurrency }, async (system) => {
    const watcher = await BuildWatcher.start(system.natsUrl);
    const run = nonce(3);
    const slipway: Side = { repo: createRepo(system.gitRoot, `one-${run}-s`), builds: 0, label: "slipway" };
    const baseline: Side = { repo: createRepo(system.gitRoot, `one-${run}-b`), builds: 0, label: "baseline" };
    const env: BaselineEnv = { gitRoot: system.gitRoot, mirrors: join(system.work, "baseline-mirrors"), registry: system.registry.address, labels: args["baseline-labels"] };
    try {
      console.error("[one-push] warm-up (first push clones, on both sides)");
      await slipwayOnce(system, watcher, slipway);
      await baselineOnce(system, env, baseline);
      for (let i = 1; i <= pairs; i++) {
        await sleep(gapMs);
        const s = await slipwayOnce(system, watcher, slipway);
        await sleep(gapMs);
        const b = await baselineOnce(system, env, baseline);
        results.push({ slipwayMs: s.ms, baselineMs: b.ms, ratio: s.ms / b.ms, s: s.build, b: b.job });
        console.error(`[one-push] pair ${i}/${pairs}: slipway ${seconds(s.ms)} s, baseline ${seconds(b.ms)} s, ratio ${(s.ms / b.ms).toFixed(3)}`);
      }
    } finally {
      await watcher.close();
    }
  });

  const at = (p: Pair, from: keyof BuildRecord["at"], to: keyof BuildRecord["at"]) => round((p.s.at[to] ?? NaN) - (p.s.at[from] ?? NaN));
  console.log(`\none-push: webhook -> 4 tags pushed, ${pairs} pairs; slipway ${builders} builder(s) x ${concurrency}${args["baseline-labels"] ? "; baseline with slipway's labels" : ""}\n`);
  console.log(
    table([
      ["pair", "slipway s", "baseline s", "ratio", "s: sync/wait/build/push ms", "b: fetch/build/push ms"],
      ...results.map((p, i) => [
        i + 1,
        seconds(p.slipwayMs),
        seconds(p.baselineMs),
        p.ratio.toFixed(3),
        `${at(p, "webhook", "queued")}/${at(p, "queued", "started")}/${at(p, "started", "built")}/${at(p, "built", "pushed")}`,
        `${p.b.fetchMs}/${p.b.buildMs}/${p.b.pushMs}`,
      ]),
    ]),
  );
  const slipwayMedian = median(results.map((r) => r.slipwayMs));
  const baselineMedian = median(results.map((r) => r.baselineMs));
  const ratioMedian = median(results.map((r) => r.ratio));
  console.log(`\nmedian: slipway ${seconds(slipwayMedian)} s, baseline ${seconds(baselineMedian)} s, ratio ${ratioMedian.toFixed(3)} (goal <= ${GOAL}: ${verdict(ratioMedian <= GOAL)})\n`);
  printResult({
    bench: "one-push",
    pairs,
    builders,
    concurrency,
    baselineLabels: args["baseline-labels"],
    goal: GOAL,
    slipwayMedianMs: round(slipwayMedian),
    baselineMedianMs: round(baselineMedian),
    medianRatio: round(ratioMedian, 3),
    met: ratioMedian <= GOAL,
    runs: results.map((r) => ({ slipwayMs: round(r.slipwayMs), baselineMs: round(r.baselineMs), ratio: round(r.ratio, 3) })),
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
