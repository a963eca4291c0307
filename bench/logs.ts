/**
 * Logs: one build whose RUN prints ~50 MB of numbered, timestamped lines. Measures
 *   - the builder process's memory: peak VmRSS during the build minus its idle VmRSS before it
 *     (/proc/<pid>/status every 100 ms; goal < 50 MB);
 *   - live lag: a plain subscription on `ci.log.>` compares each line's in-container timestamp
 *     (`$EPOCHREALTIME`, same machine, same clock) with its arrival (goal p99 < 250 ms);
 *   - completeness: every line arrived, whole and in order, live and in the projector's log file;
 *   - time against the baseline: the same build with the plain script (docker CLI, output to a file).
 *
 *   node --import tsx bench/logs.ts [--mb 50] [--line-bytes 100] [--builders 1] [--concurrency 2]
 */
import { execFileSync } from "node:child_process";
import { createReadStream, existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { runBaseline, type BaselineEnv } from "./lib/baseline.js";
import { sendPush } from "./lib/hook.js";
import { LineChecker, padLength, printLoop, type LineReport } from "./lib/log-lines.js";
import { LogWatcher } from "./lib/log-watch.js";
import { createRepo, nonce, stampDockerfile } from "./lib/repos.js";
import { median, printResult, quantile, round, seconds, table, verdict } from "./lib/report.js";
import { sampleMemory } from "./lib/rss.js";
import { withSystem, type System } from "./lib/system.js";
import { BuildWatcher } from "./lib/watch.js";

const RSS_GOAL_MB = 50;
const LAG_P99_GOAL_MS = 250;

const { values: args } = parseArgs({
  options: {
    mb: { type: "string", default: "50" },
    "line-bytes": { type: "string", default: "100" },
    builders: { type: "string", default: "1" },
    concurrency: { type: "string", default: "2" },
    "sample-ms": { type: "string", default: "100" },
    "idle-ms": { type: "string", default: "2000" },
    timeout: { type: "string", default: "900" },
    // The engine's BuildKit keeps 2 MiB of a step's output at most: 50 MB of log needs the classic builder.
    backend: { type: "string", default: "legacy" },
  },
  strict: true,
});

const number = (name: string, raw: string, min: number): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
};
const mbWanted = number("mb", args.mb, 0.01);
const lineBytes = Math.round(number("line-bytes", args["line-bytes"], 40));
const builders = Math.round(number("builders", args.builders, 1));
const concurrency = Math.round(number("concurrency", args.concurrency, 1));
const sampleMs = Math.round(number("sample-ms", args["sample-ms"], 10));
const idleMs = Math.round(number("idle-ms", args["idle-ms"], 0));
const timeoutMs = number("timeout", args.timeout, 1) * 1000;

const lineCount = Math.max(1, Math.round((mbWanted * 1024 * 1024) / lineBytes));
const padding = padLength(lineCount, lineBytes);

function logDockerfile(base: string): string {
  return `FROM ${base}\nCOPY stamp.txt /stamp.txt\nRUN cat /stamp.txt && ${printLoop(lineCount, lineBytes)}\n`;
}

/** busybox `date` has no %N; its shell's $EPOCHREALTIME (microseconds) is what stamps the lines. */
function checkClock(base: string): void {
  const out = execFileSync("docker", ["run", "--rm", base, "sh", "-c", "echo $EPOCHREALTIME"], { encoding: "utf8" }).trim();
  if (!/^\d+\.\d{6}$/.test(out)) throw new Error(`the base image's shell gives no $EPOCHREALTIME (got ${JSON.stringify(out)}): cannot stamp lines`);
  const skewMs = Math.abs(Number(out) * 1000 - Date.now());
  if (skewMs > 2000) throw new Error(`container clock ${out} is ${skewMs} ms from ours`);
}

/** Reads a log file through a fresh line checker; an unfinished last line (still being written) is not counted. */
async function checkFile(path: string): Promise<LineReport> {
  const checker = new LineChecker(lineCount, padding);
  for await (const chunk of createReadStream(path, { encoding: "utf8" })) checker.push(String(chunk));
  return checker.result();
}

/** Waits until the projector's log file of a build holds the last line (it writes behind the stream). */
async function waitForLogFile(system: System, buildId: string, deadlineMs: number): Promise<LineReport | null> {
  const path = join(system.logsDir, `${buildId}.log`);
  let last: LineReport | null = null;
  while (Date.now() < deadlineMs) {
    if (existsSync(path)) {
      last = await checkFile(path);
      if (last.received >= lineCount || last.outOfOrder > 0 || last.malformed > 0) return last;
    }
    await sleep(500);
  }
  return last;
}

const kbToMb = (kb: number) => kb / 1024;

async function main(): Promise<void> {
  const result = await withSystem({ builders, concurrency, backend: args.backend }, async (system) => {
    checkClock(system.base);
    const events = await BuildWatcher.start(system.natsUrl);
    const logs = await LogWatcher.start(system.natsUrl, lineCount, padding);
    const run = nonce(3);
    const env: BaselineEnv = { gitRoot: system.gitRoot, mirrors: join(system.work, "baseline-mirrors"), registry: system.registry.address };
    try {
      // Warm-up: one ordinary build, so the builder's idle memory is that of a builder that has built.
      console.error("[logs] warm-up build");
      const warm = createRepo(system.gitRoot, `logs-${run}-warm`);
      const warmSha = warm.commit({ Dockerfile: stampDockerfile(system.base), "stamp.txt": `warm ${run}\n` });
      await sendPush(system.hookUrl, warm.name, warmSha);
      await events.waitFor([{ name: warm.name, sha: warmSha }], timeoutMs);

      const pids = system.builders().map((b) => b.pid);
      const sampler = sampleMemory(pids, sampleMs);
      await sleep(idleMs);

      const repo = createRepo(system.gitRoot, `logs-${run}-s`);
      const sha = repo.commit({ Dockerfile: logDockerfile(system.base), "stamp.txt": `slipway ${nonce(8)}\n` });
      console.error(`[logs] slipway: one build printing ${lineCount} lines of ${lineBytes} bytes (${(lineCount * lineBytes / 1024 / 1024).toFixed(1)} MiB)`);
      const sentAt = Date.now();
      await sendPush(system.hookUrl, repo.name, sha);
      const [build] = await events.waitFor([{ name: repo.name, sha }], timeoutMs);
      const endAt = Date.now();
      sampler.stop();
      if (!build) throw new Error("no build");
      if (build.at.pushed === undefined) console.error(`[logs] the build FAILED: ${JSON.stringify(build.failure)}`);

      // The log is complete before ImageBuilt; wait briefly for our subscriber to drain anyway.
      const drainUntil = Date.now() + 10_000;
      while (!logs.done(build.buildId) && Date.now() < drainUntil) await sleep(100);
      const live = logs.report(build.buildId);
      console.error("[logs] checking the projector's log file");
      const file = await waitForLogFile(system, build.buildId, Date.now() + 60_000);

      // Memory of the builder that ran it (BuildStarted names host:pid).
      const builderPid = Number(build.builder?.split(":").pop());
      const samples = sampler.samples(pids.includes(builderPid) ? builderPid : pids[0]!);
      const idle = samples.filter((s) => s.at < sentAt);
      const during = samples.filter((s) => s.at >= sentAt && s.at <= endAt);
      const idleRssKb = median(idle.map((s) => s.rssKb));
      const peakRssKb = during.reduce((a, s) => Math.max(a, s.rssKb), -Infinity);
      const hwmBeforeKb = idle.at(-1)?.hwmKb ?? NaN;
      const hwmAfterKb = during.at(-1)?.hwmKb ?? NaN;

      console.error("[logs] baseline: the same build with build-one.sh");
      const bRepo = createRepo(system.gitRoot, `logs-${run}-b`);
      const bSha = bRepo.commit({ Dockerfile: logDockerfile(system.base), "stamp.txt": `baseline ${nonce(8)}\n` });
      const bLog = join(system.work, "baseline-build.log");
      const baseline = await runBaseline({ ...env, log: bLog }, [{ name: bRepo.name, sha: bSha, buildNumber: 1 }], 1);
      const bFile = await checkFile(bLog);

      return { build, sentAt, live, file, idleRssKb, peakRssKb, hwmBeforeKb, hwmAfterKb, samples: during.length, baseline, bFile };
    } finally {
      await logs.close();
      await events.close();
    }
  });

  const { build, sentAt, live, file, baseline, bFile } = result;
  const lags = live?.lagsMs ?? [];
  const p50 = quantile(lags, 0.5);
  const p99 = quantile(lags, 0.99);
  const max = lags.reduce((a, b) => Math.max(a, b), -Infinity);
  const growthMb = kbToMb(result.peakRssKb - result.idleRssKb);
  const span = (r: LineReport | null | undefined) => (r?.firstStampMs != null && r.lastStampMs != null ? r.lastStampMs - r.firstStampMs : NaN);
  const slipwayTotal = (build.at.pushed ?? build.at.failed ?? NaN) - sentAt;
  const slipwayBuild = (build.at.built ?? NaN) - (build.at.started ?? NaN);
  const job = baseline.jobs[0]!;
  const lines = (r: LineReport | null | undefined) => (r ? `${r.received}/${r.expected}, ${r.outOfOrder} out of order, ${r.malformed} malformed` : "none");

  console.log(`\nlogs: one build printing ${lineCount} lines x ${lineBytes} bytes (${(lineCount * lineBytes / 1024 / 1024).toFixed(1)} MiB); ${builders} builder(s)\n`);
  console.log(
    table([
      ["figure", "slipway", "baseline", "goal"],
      ["lines live (ci.log.>)", lines(live?.lines), "", verdict(live?.lines.complete === true)],
      ["lines in log file", lines(file), lines(bFile), verdict(file?.complete === true)],
      ["log chunks (dup / gaps)", live ? `${live.chunks.chunks} (${live.chunks.duplicates} / ${live.chunks.gaps})` : "none", "", ""],
      ["builder RSS idle -> peak MB", `${kbToMb(result.idleRssKb).toFixed(1)} -> ${kbToMb(result.peakRssKb).toFixed(1)}`, "", ""],
      ["builder RSS growth MB", growthMb.toFixed(1), "", `< ${RSS_GOAL_MB}: ${verdict(growthMb < RSS_GOAL_MB)}`],
      ["builder VmHWM before -> after MB", `${kbToMb(result.hwmBeforeKb).toFixed(1)} -> ${kbToMb(result.hwmAfterKb).toFixed(1)}`, "", ""],
      ["live lag p50 / p99 / max ms", `${round(p50)} / ${round(p99)} / ${round(max)}`, "", `p99 < ${LAG_P99_GOAL_MS}: ${verdict(p99 < LAG_P99_GOAL_MS)}`],
      ["container printing s (first->last line)", seconds(span(live?.lines)), seconds(span(bFile)), ""],
      ["build s (started->built | docker build)", seconds(slipwayBuild), seconds(job.buildMs), ""],
      ["total s (webhook->pushed | script)", seconds(slipwayTotal), seconds(baseline.wallMs), `ratio ${(slipwayTotal / baseline.wallMs).toFixed(3)}`],
    ]),
  );
  if (live?.lines.firstProblems.length) console.log(`\nlive problems: ${live.lines.firstProblems.join("; ")}`);
  if (file?.firstProblems.length) console.log(`file problems: ${file.firstProblems.join("; ")}`);
  console.log("");
  printResult({
    bench: "logs",
    lines: lineCount,
    lineBytes,
    mib: round((lineCount * lineBytes) / 1024 / 1024, 1),
    succeeded: build.at.pushed !== undefined,
    live: live ? { lines: live.lines, chunks: live.chunks } : null,
    file,
    baselineFile: bFile,
    rss: { idleMb: round(kbToMb(result.idleRssKb), 1), peakMb: round(kbToMb(result.peakRssKb), 1), growthMb: round(growthMb, 1), hwmBeforeMb: round(kbToMb(result.hwmBeforeKb), 1), hwmAfterMb: round(kbToMb(result.hwmAfterKb), 1), samples: result.samples, goalMb: RSS_GOAL_MB, met: growthMb < RSS_GOAL_MB },
    lagMs: { p50: round(p50), p99: round(p99), max: round(max), goalP99: LAG_P99_GOAL_MS, met: p99 < LAG_P99_GOAL_MS },
    printingMs: { slipway: round(span(live?.lines)), baseline: round(span(bFile)) },
    buildMs: { slipway: round(slipwayBuild), baseline: job.buildMs },
    totalMs: { slipway: round(slipwayTotal), baseline: round(baseline.wallMs), ratio: round(slipwayTotal / baseline.wallMs, 3) },
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
