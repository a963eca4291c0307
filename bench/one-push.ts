/**
 * One push on an idle system: webhook -> every tag pushed (ImagePushed: sha, build number, branch,
 * latest), against bench/baseline/build-one.sh building and pushing the same four tags one by one.
 * The script runs with the legacy builder (what `docker build` gives a script on this engine) and,
 * when this machine's CLI can do it, again with `DOCKER_BUILDKIT=1`. Rounds alternate the sides;
 * every build commits fresh stamp content, and each side uses its own repo, so none hits another's
 * layer cache. One unmeasured warm-up each first (the first push of a repo clones it; later ones
 * fetch, on every side).
 *
 *   node --import tsx bench/one-push.ts [--pairs 10] [--builders 2] [--concurrency 2] [--gap-ms 500]
 *                                       [--backend auto|buildkit|legacy]  (slipway's builder backend)
 *                                       [--baseline-labels]  (the script adds slipway's six image labels)
 *
 * Goal: median(slipway / script) <= 1.0 against each script.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { runBaseline, scriptBuildKitUnavailable, type BaselineEnv, type BaselineTiming } from "./lib/baseline.js";
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
    backend: { type: "string", default: "auto" },
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
const backend = args.backend;
if (!["auto", "buildkit", "legacy"].includes(backend)) throw new Error(`--backend must be auto, buildkit or legacy, got ${JSON.stringify(backend)}`);

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
  type Round = { slipwayMs: number; legacyMs: number; buildkitMs?: number; s: BuildRecord; b: BaselineTiming };
  const results: Round[] = [];
  const buildkitMissing = await scriptBuildKitUnavailable();
  if (buildkitMissing) console.error(`[one-push] the script with DOCKER_BUILDKIT=1 does not run here (${buildkitMissing}): legacy script only`);
  await withSystem({ builders, concurrency, backend }, async (system) => {
    const watcher = await BuildWatcher.start(system.natsUrl);
    const run = nonce(3);
    const side = (suffix: string, label: string): Side => ({ repo: createRepo(system.gitRoot, `one-${run}-${suffix}`), builds: 0, label });
    const slipway = side("s", "slipway");
    const legacy = side("b", "script");
    const buildkit = buildkitMissing ? null : side("k", "script-buildkit");
    const env: BaselineEnv = { gitRoot: system.gitRoot, mirrors: join(system.work, "baseline-mirrors"), registry: system.registry.address, labels: args["baseline-labels"] };
    const buildkitEnv: BaselineEnv = { ...env, buildkit: true };
    try {
      console.error("[one-push] warm-up (first push clones, on every side)");
      await slipwayOnce(system, watcher, slipway);
      await baselineOnce(system, env, legacy);
      if (buildkit) await baselineOnce(system, buildkitEnv, buildkit);
      for (let i = 1; i <= pairs; i++) {
        await sleep(gapMs);
        const s = await slipwayOnce(system, watcher, slipway);
        await sleep(gapMs);
        const b = await baselineOnce(system, env, legacy);
        let k: number | undefined;
        if (buildkit) {
          await sleep(gapMs);
          k = (await baselineOnce(system, buildkitEnv, buildkit)).ms;
        }
        results.push({ slipwayMs: s.ms, legacyMs: b.ms, ...(k !== undefined ? { buildkitMs: k } : {}), s: s.build, b: b.job });
        const vsK = k !== undefined ? `, script+BuildKit ${seconds(k)} s (ratio ${(s.ms / k).toFixed(3)})` : "";
        console.error(`[one-push] round ${i}/${pairs}: slipway ${seconds(s.ms)} s, script ${seconds(b.ms)} s (ratio ${(s.ms / b.ms).toFixed(3)})${vsK}`);
      }
    } finally {
      await watcher.close();
    }
  });

  const at = (r: Round, from: keyof BuildRecord["at"], to: keyof BuildRecord["at"]) => round((r.s.at[to] ?? NaN) - (r.s.at[from] ?? NaN));
  const withK = buildkitMissing === null;
  console.log(
    `\none-push: webhook -> 4 tags pushed, ${pairs} rounds; slipway ${builders} builder(s) x ${concurrency}, backend ${backend}${args["baseline-labels"] ? "; script with slipway's labels" : ""}\n`,
  );
  console.log(
    table([
      ["round", "slipway s", "script s", "ratio", ...(withK ? ["script+BK s", "ratio"] : []), "s: sync/wait/build/push ms", "script: fetch/build/push ms"],
      ...results.map((r, i) => [
        i + 1,
        seconds(r.slipwayMs),
        seconds(r.legacyMs),
        (r.slipwayMs / r.legacyMs).toFixed(3),
        ...(withK ? [seconds(r.buildkitMs!), (r.slipwayMs / r.buildkitMs!).toFixed(3)] : []),
        `${at(r, "webhook", "queued")}/${at(r, "queued", "started")}/${at(r, "started", "built")}/${at(r, "built", "pushed")}`,
        `${r.b.fetchMs}/${r.b.buildMs}/${r.b.pushMs}`,
      ]),
    ]),
  );
  const slipwayMedian = median(results.map((r) => r.slipwayMs));
  const legacyMedian = median(results.map((r) => r.legacyMs));
  const legacyRatio = median(results.map((r) => r.slipwayMs / r.legacyMs));
  const buildkitMedian = withK ? median(results.map((r) => r.buildkitMs!)) : null;
  const buildkitRatio = withK ? median(results.map((r) => r.slipwayMs / r.buildkitMs!)) : null;
  const met = legacyRatio <= GOAL && (buildkitRatio === null || buildkitRatio <= GOAL);
  console.log(`\nmedian: slipway ${seconds(slipwayMedian)} s, script (legacy builder) ${seconds(legacyMedian)} s, ratio ${legacyRatio.toFixed(3)} (goal <= ${GOAL}: ${verdict(legacyRatio <= GOAL)})`);
  if (buildkitRatio !== null) console.log(`median: script with DOCKER_BUILDKIT=1 ${seconds(buildkitMedian!)} s, ratio ${buildkitRatio.toFixed(3)} (goal <= ${GOAL}: ${verdict(buildkitRatio <= GOAL)})`);
  else console.log(`script with DOCKER_BUILDKIT=1: not measured, this CLI cannot run it (${buildkitMissing})`);
  console.log("");
  printResult({
    bench: "one-push",
    rounds: pairs,
    builders,
    concurrency,
    backend,
    baselineLabels: args["baseline-labels"],
    goal: GOAL,
    slipwayMedianMs: round(slipwayMedian),
    scriptMedianMs: round(legacyMedian),
    medianRatio: round(legacyRatio, 3),
    scriptBuildKitMedianMs: buildkitMedian === null ? null : round(buildkitMedian),
    medianRatioBuildKit: buildkitRatio === null ? null : round(buildkitRatio, 3),
    scriptBuildKitUnavailable: buildkitMissing,
    met,
    runs: results.map((r) => ({ slipwayMs: round(r.slipwayMs), scriptMs: round(r.legacyMs), ...(r.buildkitMs !== undefined ? { scriptBuildKitMs: round(r.buildkitMs) } : {}) })),
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
