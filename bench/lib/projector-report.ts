/** The projector bench's figures: tables for people, goals, and the final JSON line. */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@slipway/test-kit";
import type { DirSize } from "./disk.js";
import type { Drain, DrainMode } from "./drain.js";
import type { HistoryPlan } from "./history.js";
import type { QueryResult } from "./projector-queries.js";
import type { RestartTiming } from "./projector-run.js";
import type { ReplayRun } from "./replay-command.js";
import { median, printResult, round, table, verdict } from "./report.js";

export const GOAL_REPLAY_RATIO = 0.4;
export const GOAL_RESTART_MS = 1000;
export const GOAL_QUERY_P99_MS = 10;

export type ProjectorBench = {
  options: Record<string, number>;
  counts: HistoryPlan["counts"];
  limits: {
    accountMaxStorage: number;
    events: { maxBytes: number; maxMsgs: number; maxAgeNs: number };
    logs: { maxBytes: number; maxMsgs: number; maxAgeNs: number };
  };
  publish: { ms: number; duplicates: number };
  stored: { events: { messages: number; bytes: number }; logs: { messages: number; bytes: number } };
  /** Each mode before the replay, then each after. */
  drains: Drain[];
  replay: {
    /** From the spawn until both durables had nothing pending or unacked. */
    ms: number;
    readyLineMs: number;
    eventsMs: number | null;
    logsMs: number | null;
    handled: { events: number; logs: number };
    timedOut: boolean;
    cpu: { projectorMs: number | null; natsMs: number | null };
    rss: { peakKb: number; peakAnonKb: number; hwmKb: number; settledKb: number };
    /** SIGTERM to exit after the replay (final save included). */
    stopMs: number;
  };
  /** The replay command on the caught-up projector, and the CI_EVENTS-only drains around it. */
  command: ReplayRun & { cpuMs: number | null; drains: Drain[] };
  restarts: RestartTiming[];
  lastStopMs: number;
  restartRss: { readyKb: number; afterQueriesKb: number; hwmKb: number };
  queries: QueryResult[];
  consistency: { checked: number; problems: string[] };
  disk: { state: Record<string, DirSize>; logs: DirSize; nats: DirSize };
};

/** Source files of the projector newer than their build (the bench runs `dist/`). */
export function staleBuild(): string[] {
  const root = join(repoRoot(), "packages", "projector");
  const stale: string[] = [];
  for (const file of readdirSync(join(root, "src"))) {
    if (!file.endsWith(".ts")) continue;
    const built = join(root, "dist", file.replace(/\.ts$/, ".js"));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(root, "src", file)).mtimeMs) stale.push(`src/${file}`);
  }
  return stale;
}

const perSec = (n: number, ms: number | null) => (ms === null || ms <= 0 ? NaN : n / (ms / 1000));
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-");
const fixed = (n: number | null, d = 2) => (n === null || !Number.isFinite(n) ? "-" : n.toFixed(d));
const mbOf = (bytes: number) => (bytes / 1e6).toFixed(1);
const mbKb = (kb: number) => (Number.isFinite(kb) ? (kb / 1024).toFixed(0) : "-");

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean msgs/s of a drain mode over its runs (before and after the replay). */
function drainRate(drains: Drain[], mode: DrainMode): { mean: number; runs: number[] } {
  const runs = drains.filter((d) => d.mode === mode).map((d) => perSec(d.messages, d.wallMs));
  return { mean: meanOf(runs), runs };
}

export function printProjectorReport(r: ProjectorBench): void {
  const c = r.counts;
  const total = c.events + c.logs;
  const handled = r.replay.handled.events + r.replay.handled.logs;
  const projectorRate = perSec(r.replay.timedOut ? handled : total, r.replay.ms);
  const raw = drainRate(r.drains, "raw");
  const parse = drainRate(r.drains, "parse");
  const decode = drainRate(r.drains, "decode");
  const catchUpRatio = projectorRate / raw.mean;
  const cmd = r.command;
  const commandRate = perSec(cmd.applied, cmd.ms);
  const eventsRaw = drainRate(cmd.drains, "raw");
  const eventsParse = drainRate(cmd.drains, "parse");
  const eventsDecode = drainRate(cmd.drains, "decode");
  const ratio = commandRate / eventsRaw.mean;
  const serving = median(r.restarts.map((x) => x.buildsMs));
  const goalQueries = r.queries.filter((q) => q.goal && q.supported === "yes");
  const worstP99 = Math.max(...goalQueries.map((q) => q.p99Ms));
  const unsupported = r.queries.filter((q) => q.supported !== "yes");
  const met = {
    replayRatio: cmd.state === "done" && cmd.applied === c.events && ratio >= GOAL_REPLAY_RATIO,
    apiDuringReplay: cmd.apiAnswers > 0 && cmd.apiFailures === 0,
    restart: serving < GOAL_RESTART_MS,
    queryP99: goalQueries.length > 0 && worstP99 < GOAL_QUERY_P99_MS,
    consistent: r.consistency.problems.length === 0,
  };
  const stateBytes = Object.values(r.disk.state).reduce((a, s) => a + s.bytes, 0);

  console.log(
    `\nprojector: ${int(total)} messages (${int(c.events)} events in ${"CI_EVENTS"}, ${int(c.logs)} log chunks in CI_LOGS), ` +
      `${int(c.builds)} builds (${int(c.failed)} failed) of ${int(c.deliveries)} deliveries, ${r.options.repos} repos over ${r.options.days} days\n`,
  );
  console.log(
    `generated and published in ${fixed(r.publish.ms / 1000, 1)} s (${int(perSec(total, r.publish.ms))} msgs/s, ${r.options.inFlight} in flight; not a goal); ` +
      `stored CI_EVENTS ${mbOf(r.stored.events.bytes)} MB, CI_LOGS ${mbOf(r.stored.logs.bytes)} MB; NATS store on disk ${mbOf(r.disk.nats.bytes)} MB`,
  );
  const lim = (l: { maxBytes: number; maxMsgs: number; maxAgeNs: number }) => `max_bytes ${l.maxBytes}, max_msgs ${l.maxMsgs}, max_age ${l.maxAgeNs === 0 ? "none" : `${round(l.maxAgeNs / 864e11, 1)} d`}`;
  console.log(`limits (ensureStreams defaults): CI_EVENTS ${lim(r.limits.events)}; CI_LOGS ${lim(r.limits.logs)}; account max_storage ${r.limits.accountMaxStorage < 0 ? "unlimited" : `${mbOf(r.limits.accountMaxStorage)} MB`}\n`);

  const drainRow = (label: string, d: Drain) => {
    const [ev, lg] = d.streams;
    return [label, int(perSec(d.messages, d.wallMs)), fixed(d.wallMs / 1000), `${fixed(ev!.ms / 1000)} (${int(perSec(ev!.messages, ev!.ms))})`, `${fixed(lg!.ms / 1000)} (${int(perSec(lg!.messages, lg!.ms))})`];
  };
  const half = r.drains.length / 2;
  console.log(
    table([
      ["replay of both streams", "msgs/s", "done after s", "CI_EVENTS s (msgs/s)", "CI_LOGS s (msgs/s)"],
      ...r.drains.map((d, i) => drainRow(`bare ordered consumer, ${d.mode} (${i < half ? "before" : "after"})`, d)),
      [
        `projector (from spawn; ready line ${fixed(r.replay.readyLineMs / 1000)} s)${r.replay.timedOut ? " TIMED OUT" : ""}`,
        int(projectorRate),
        fixed(r.replay.ms / 1000),
        `${fixed(r.replay.eventsMs === null ? null : r.replay.eventsMs / 1000)} (${int(perSec(c.events, r.replay.eventsMs))})`,
        `${fixed(r.replay.logsMs === null ? null : r.replay.logsMs / 1000)} (${int(perSec(c.logs, r.replay.logsMs))})`,
      ],
    ]),
  );
  const cpu = r.replay.cpu;
  console.log(
    `\nnew projector catching up on both streams / bare raw drain of both (mean of before and after, ${int(raw.mean)} msgs/s): ${fixed(catchUpRatio, 3)} (not the goal: it includes writing every log file); ` +
      `/ parse (${int(parse.mean)}): ${fixed(projectorRate / parse.mean, 3)}; / decode (${int(decode.mean)}): ${fixed(projectorRate / decode.mean, 3)}`,
  );
  const eventsRatio = perSec(c.events, r.replay.eventsMs) / meanOf(r.drains.filter((d) => d.mode === "raw").map((d) => perSec(d.streams[0]!.messages, d.streams[0]!.ms)));
  const logsRatio = perSec(c.logs, r.replay.logsMs) / meanOf(r.drains.filter((d) => d.mode === "raw").map((d) => perSec(d.streams[1]!.messages, d.streams[1]!.ms)));
  console.log(`per stream, projector / bare raw (both read at once on either side): CI_EVENTS ${fixed(eventsRatio, 3)}, CI_LOGS ${fixed(logsRatio, 3)}`);
  console.log(
    `CPU during the replay: projector ${fixed(cpu.projectorMs === null ? null : cpu.projectorMs / 1000, 1)} s (${fixed(cpu.projectorMs === null ? null : (100 * cpu.projectorMs) / r.replay.ms, 0)} % of one core), ` +
      `nats-server ${fixed(cpu.natsMs === null ? null : cpu.natsMs / 1000, 1)} s; stop after the replay (SIGTERM -> exit) ${int(r.replay.stopMs)} ms\n`,
  );

  const half2 = cmd.drains.length / 2;
  console.log(
    table([
      ["replay of CI_EVENTS (the view)", "events/s", "s"],
      ...cmd.drains.map((d, i) => [`bare ordered consumer, ${d.mode} (${i < half2 ? "before" : "after"})`, int(perSec(d.messages, d.wallMs)), fixed(d.wallMs / 1000)]),
      [`replay command: POST /replay -> rebuilt view live (${cmd.state})`, int(commandRate), fixed(cmd.ms / 1000)],
    ]),
  );
  console.log(
    `\nreplay / bare raw drain of CI_EVENTS (mean of before and after, ${int(eventsRaw.mean)} msgs/s): ${fixed(ratio, 3)} (goal >= ${GOAL_REPLAY_RATIO}: ${verdict(met.replayRatio)}); ` +
      `/ parse (${int(eventsParse.mean)}): ${fixed(commandRate / eventsParse.mean, 3)}; / decode (${int(eventsDecode.mean)}): ${fixed(commandRate / eventsDecode.mean, 3)}; ` +
      `projector CPU ${fixed(cmd.cpuMs === null ? null : cmd.cpuMs / 1000, 1)} s; the API answered ${cmd.apiAnswers} list requests during it, failed ${cmd.apiFailures} (${verdict(met.apiDuringReplay)})\n`,
  );

  console.log(
    table([
      ["restart on the saved state", "starting line ms", "ready line ms", "/readyz 200 ms", "GET /builds ms", "builds loaded", "checkpoint"],
      ...r.restarts.map((x, i) => [i + 1, int(x.startingLineMs ?? NaN), int(x.readyLineMs), int(x.readyzMs), int(x.buildsMs), int(x.loaded.builds ?? NaN), int(x.loaded.checkpoint ?? NaN)]),
    ]),
  );
  console.log(
    `\nrestart to ready and serving (spawn -> GET /builds 200), median: ${int(serving)} ms (goal < ${GOAL_RESTART_MS} ms: ${verdict(met.restart)}); ` +
      `"starting" is the service's first log line (Node up, modules loaded), "ready" its readiness line (saved state loaded, durables positioned, listening)\n`,
  );

  console.log(
    table([
      ["GET /builds", "supported", "requests", "p50 ms", "p99 ms", "max ms", `> ${GOAL_QUERY_P99_MS} ms`, "listed", "KB", "builds matching"],
      ...r.queries.map((q) => [q.label, q.supported.split(";")[0]! + (q.supported.includes(";") ? ")" : ""), q.requests, fixed(q.p50Ms), fixed(q.p99Ms), fixed(q.maxMs), q.requests === 0 ? "-" : q.slow, q.listed, fixed(q.bytes / 1024, 1), q.expected === null ? "-" : int(q.expected)]),
    ]),
  );
  console.log(
    `\nfiltered lists, worst p99 (${goalQueries.map((q) => q.label).join(", ") || "none supported"}): ${fixed(worstP99)} ms (goal < ${GOAL_QUERY_P99_MS} ms: ${verdict(met.queryP99)})` +
      (unsupported.length > 0 ? `; not supported yet: ${unsupported.map((q) => q.label).join(", ")}` : ""),
  );
  console.log(`paths: ${r.queries.map((q) => q.path).join("  ")}\n`);

  const state = Object.entries(r.disk.state)
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .map(([name, s]) => `${name} ${mbOf(s.bytes)} MB${s.files > 1 ? ` (${int(s.files)} files)` : ""}`)
    .join(", ");
  console.log(
    table([
      ["memory and disk", "value"],
      ["projector VmRSS peak during the replay (sampled)", `${mbKb(r.replay.rss.peakKb)} MB`],
      ["  its own memory (RssAnon) at its peak; the rest is mapped file pages", `${mbKb(r.replay.rss.peakAnonKb)} MB`],
      ["VmHWM at the end of the replay", `${mbKb(r.replay.rss.hwmKb)} MB`],
      [`VmRSS settled (${r.options.settleMs} ms after the replay)`, `${mbKb(r.replay.rss.settledKb)} MB`],
      ["after a restart: VmRSS ready / after the queries / VmHWM", `${mbKb(r.restartRss.readyKb)} / ${mbKb(r.restartRss.afterQueriesKb)} / ${mbKb(r.restartRss.hwmKb)} MB`],
      ["state folder (SLIPWAY_PROJECTOR_DATA)", `${mbOf(stateBytes)} MB: ${state}`],
      ["logs folder (SLIPWAY_LOGS_DIR)", `${mbOf(r.disk.logs.bytes)} MB, ${int(r.disk.logs.files)} files`],
    ]),
  );
  console.log(
    `\nbuilds read back (GET /builds/:id, every ${Math.max(1, Math.floor(c.builds / 200))}th): ${r.consistency.checked} checked, status/repo/branch/log size as generated: ${verdict(met.consistent)}` +
      (r.consistency.problems.length > 0 ? `\n  ${r.consistency.problems.slice(0, 10).join("\n  ")}` : ""),
  );
  console.log("");
  printResult({
    bench: "projector",
    options: r.options,
    messages: total,
    events: c.events,
    logChunks: c.logs,
    builds: c.builds,
    deliveries: c.deliveries,
    goal: { replayRatio: GOAL_REPLAY_RATIO, restartMs: GOAL_RESTART_MS, queryP99Ms: GOAL_QUERY_P99_MS },
    publishMs: round(r.publish.ms),
    publishMsgsPerSec: round(perSec(total, r.publish.ms)),
    bareRawMsgsPerSec: round(raw.mean),
    bareRawRuns: raw.runs.map((x) => round(x)),
    bareParseMsgsPerSec: round(parse.mean),
    bareDecodeMsgsPerSec: round(decode.mean),
    projectorMsgsPerSec: round(projectorRate),
    replayMs: round(r.replay.ms),
    replayEventsMs: r.replay.eventsMs === null ? null : round(r.replay.eventsMs),
    replayLogsMs: r.replay.logsMs === null ? null : round(r.replay.logsMs),
    replayTimedOut: r.replay.timedOut,
    replayRatio: round(ratio, 3),
    replayCommandMs: round(cmd.ms),
    replayCommandEventsPerSec: round(commandRate),
    bareRawEventsPerSec: round(eventsRaw.mean),
    catchUpRatio: round(catchUpRatio, 3),
    replayRatioParse: round(projectorRate / parse.mean, 3),
    replayRatioEvents: round(eventsRatio, 3),
    replayRatioLogs: round(logsRatio, 3),
    replayCpuMs: r.replay.cpu.projectorMs,
    restartServingMs: round(serving),
    restarts: r.restarts.map((x) => ({ startingLineMs: x.startingLineMs === null ? null : round(x.startingLineMs), readyLineMs: round(x.readyLineMs), readyzMs: round(x.readyzMs), buildsMs: round(x.buildsMs) })),
    queries: r.queries.map((q) => ({ label: q.label, path: q.path, supported: q.supported, requests: q.requests, p50Ms: round(q.p50Ms, 2), p99Ms: round(q.p99Ms, 2), maxMs: round(q.maxMs, 2), slow: q.slow })),
    worstFilterP99Ms: round(worstP99, 2),
    rssPeakMb: round(r.replay.rss.peakKb / 1024),
    rssPeakAnonMb: round(r.replay.rss.peakAnonKb / 1024),
    rssHwmMb: round(r.replay.rss.hwmKb / 1024),
    rssSettledMb: round(r.replay.rss.settledKb / 1024),
    rssAfterRestartMb: round(r.restartRss.readyKb / 1024),
    rssAfterQueriesMb: round(r.restartRss.afterQueriesKb / 1024),
    stateBytes,
    logsBytes: r.disk.logs.bytes,
    natsStoreBytes: r.disk.nats.bytes,
    consistencyProblems: r.consistency.problems.length,
    met,
    allMet: Object.values(met).every(Boolean),
  });
}
