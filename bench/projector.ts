/**
 * The projector under a long history: NATS (a native nats-server) and projector processes, nothing
 * else. The bench writes the history itself with the events package (1,000,000 messages: 100,000
 * builds with their log chunks, ~200 repos, times over the last 30 days), then measures, in one run:
 *
 *   node --import tsx bench/projector.ts [--events 1000000] [--builds 100000] [--repos 200]
 *        [--days 30] [--failure-rate 0.1] [--seed 1] [--in-flight 2000] [--restarts 3]
 *        [--requests 500] [--warmup 20] [--query-seconds 30] [--replay-timeout 1800]
 *        [--sample-ms 100] [--settle-ms 3000] [--cpu-prof DIR]
 *
 * 1. Replay: the replay command (`POST /replay` on the caught-up projector: the view rebuilt from
 *    CI_EVENTS beside the live one, then swapped in) vs a bare ordered consumer draining
 *    CI_EVENTS (raw, JSON-parsed, decoded with `decodeEvent`; right before and right after).
 *    Goal: replay events/s >= 0.4 x the raw drain's. Before it, and reported beside it: a new
 *    projector (its own name, so its own durables, and an empty state folder) from the spawn until
 *    both durables have nothing pending or unacked, vs bare consumers draining both streams at once.
 * 2. Restart-to-ready: SIGTERM, start again on the same state folder: spawn -> `ready` line ->
 *    `/readyz` 200 -> `GET /builds` 200. Goal (median of `--restarts`): < 1 s.
 * 3. `GET /builds`, sequential requests on one kept-alive connection from a small process of its
 *    own (lib/query-runner.ts: the bench's heap holds the whole history, and its collector would
 *    time itself): unfiltered, by repo, by repo and status, by status, by branch, and `asOf` one
 *    hour back. Goal: p99 < 10 ms for every filter.
 * 4. The projector's memory (VmRSS every `--sample-ms` during the replay, VmHWM, settled after it,
 *    and after a restart) and its state folder on disk.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ensureStreams, STREAM_EVENTS, STREAM_LOGS, type Event } from "@slipway/events";
import { ensureNatsServer, freePort, type NatsServer } from "@slipway/test-kit";
import { cpuMs } from "./lib/cpu.js";
import { dirSize, entrySizes } from "./lib/disk.js";
import { DrainMode, drainStreams, type Drain } from "./lib/drain.js";
import { historyEvents, Outcome, planHistory, planTallies, type HistoryPlan } from "./lib/history.js";
import { keepAliveClient } from "./lib/http-get.js";
import { publishHistory } from "./lib/publish-history.js";
import { GOAL_QUERY_P99_MS, printProjectorReport, staleBuild, type ProjectorBench } from "./lib/projector-report.js";
import { queryCases, runQuery } from "./lib/projector-queries.js";
import { startProjector, timeToServing, waitCaughtUp, type RestartTiming, type StartedProjector } from "./lib/projector-run.js";
import { timeGetsApart } from "./lib/query-runner.js";
import { runReplayCommand } from "./lib/replay-command.js";
import { readMemory, sampleMemory } from "./lib/rss.js";

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    builds: { type: "string", default: "100000" },
    repos: { type: "string", default: "200" },
    days: { type: "string", default: "30" },
    "failure-rate": { type: "string", default: "0.1" },
    seed: { type: "string", default: "1" },
    "in-flight": { type: "string", default: "2000" },
    restarts: { type: "string", default: "3" },
    requests: { type: "string", default: "500" },
    warmup: { type: "string", default: "20" },
    "query-seconds": { type: "string", default: "30" },
    "replay-timeout": { type: "string", default: "1800" },
    "sample-ms": { type: "string", default: "100" },
    "settle-ms": { type: "string", default: "3000" },
    "cpu-prof": { type: "string" },
  },
  strict: true,
});

const number = (name: string, raw: string, min: number, whole = true, max = Infinity): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || (whole && !Number.isInteger(n)) || n < min || n > max) throw new Error(`--${name} must be a ${whole ? "whole " : ""}number from ${min}${max < Infinity ? ` to ${max}` : ""}, got ${JSON.stringify(raw)}`);
  return n;
};
const opts = {
  messages: number("events", args.events, 1),
  builds: number("builds", args.builds, 1),
  repos: number("repos", args.repos, 1),
  days: number("days", args.days, 0.1, false),
  failureRate: number("failure-rate", args["failure-rate"], 0, false, 1),
  seed: number("seed", args.seed, 0),
  inFlight: number("in-flight", args["in-flight"], 1),
  restarts: number("restarts", args.restarts, 1),
  requests: number("requests", args.requests, 1),
  warmup: number("warmup", args.warmup, 0),
  queryMs: number("query-seconds", args["query-seconds"], 1, false) * 1000,
  replayTimeoutMs: number("replay-timeout", args["replay-timeout"], 1) * 1000,
  sampleMs: number("sample-ms", args["sample-ms"], 5),
  settleMs: number("settle-ms", args["settle-ms"], 0),
};

/** Where the replaying projector and the last restarted one write V8 CPU profiles (lib/cpu-profile-preload.mjs); kept after the run. */
const cpuProfDir = args["cpu-prof"] === undefined ? null : resolve(args["cpu-prof"]);

const PROFILE_PRELOAD = join(dirname(fileURLToPath(import.meta.url)), "lib", "cpu-profile-preload.mjs");
/** Environment that makes a service profile itself (see lib/cpu-profile-preload.mjs). */
const profilerEnv = (dir: string, name: string): Record<string, string> => ({
  NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import ${pathToFileURL(PROFILE_PRELOAD).href}`].filter(Boolean).join(" "),
  BENCH_CPU_PROF_DIR: dir,
  BENCH_CPU_PROF_NAME: name,
});

const log = (line: string) => console.error(`[projector] ${line}`);
const k = (n: number) => `${Math.round(n / 1000)}k`;

/** Publishes the plan; also returns each build's log size (the bytes its log file must have). */
async function publish(nc: NatsConnection, plan: HistoryPlan): Promise<{ ms: number; duplicates: number; byStream: Record<string, number>; logBytes: Map<string, number> }> {
  const logBytes = new Map<string, number>();
  function* tracked(): Generator<Event> {
    for (const e of historyEvents(plan)) {
      if (e.type === "BuildLogChunk") logBytes.set(e.data.buildId, e.data.offset + Buffer.byteLength(e.data.text));
      yield e;
    }
  }
  const total = plan.counts.events + plan.counts.logs;
  let next = 100_000;
  const started = performance.now();
  const res = await publishHistory(jetstream(nc), tracked(), opts.inFlight, (sent) => {
    if (sent < next) return;
    while (next <= sent) next += 100_000;
    log(`  ${k(sent)}/${k(total)} published (${Math.round(sent / ((performance.now() - started) / 1000))} msgs/s)`);
  });
  return { ...res, logBytes };
}

async function drains(nc: NatsConnection, counts: { events: number; logs: number }): Promise<Drain[]> {
  const js = jetstream(nc);
  const out: Drain[] = [];
  const streams = [{ stream: STREAM_EVENTS, messages: counts.events }, ...(counts.logs > 0 ? [{ stream: STREAM_LOGS, messages: counts.logs }] : [])];
  for (const mode of [DrainMode.raw, DrainMode.parse, DrainMode.decode]) {
    const d = await drainStreams(js, streams, mode);
    log(`  bare drain (${mode}): ${d.messages} msgs in ${(d.wallMs / 1000).toFixed(2)} s = ${Math.round(d.messages / (d.wallMs / 1000))} msgs/s`);
    out.push(d);
  }
  return out;
}

/** A sample of builds read back one by one: status, repo, branch and log file size as planned. */
async function checkSample(p: StartedProjector, token: string, plan: HistoryPlan, logsDir: string, logBytes: Map<string, number>): Promise<ProjectorBench["consistency"]> {
  const client = keepAliveClient(p.url, token);
  const all = plan.deliveries.flatMap((d) => d.builds.map((b) => ({ d, b })));
  const step = Math.max(1, Math.floor(all.length / 200));
  const problems: string[] = [];
  let checked = 0;
  try {
    for (let i = 0; i < all.length; i += step) {
      const { d, b } = all[i]!;
      checked++;
      const a = await client.get(`/builds/${b.buildId}`);
      const view = a.status === 200 ? (JSON.parse(a.body) as { status: string; repo: string; branch: string | null }) : null;
      const status = b.outcome === Outcome.pushed ? "succeeded" : "failed";
      if (!view || view.status !== status || view.repo !== plan.repos[d.repo]!.ref.key || view.branch !== d.branch) {
        problems.push(`${b.buildId}: ${a.status} ${a.body.slice(0, 120)}`);
        continue;
      }
      const want = logBytes.get(b.buildId) ?? 0;
      let size = 0;
      try {
        size = statSync(join(logsDir, `${b.buildId}.log`)).size;
      } catch {
        // Missing: size 0.
      }
      if (size !== want) problems.push(`${b.buildId}.log: ${size} bytes, expected ${want}`);
    }
  } finally {
    client.close();
  }
  return { checked, problems };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "slipway-bench-projector-"));
  const dirs = { nats: join(work, "nats"), state: join(work, "state"), logs: join(work, "logs") };
  let nats: NatsServer | undefined;
  let nc: NatsConnection | undefined;
  let projector: StartedProjector | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const report = (what: string) => (err: unknown) => console.error(`cleanup (${what}):`, err instanceof Error ? err.message : err);
      await projector?.service.stop().catch(report("projector"));
      await nc?.close().catch(report("nats connection"));
      await nats?.stop().catch(report("nats"));
      rmSync(work, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping`);
    void stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    const stale = staleBuild();
    if (stale.length > 0) log(`WARNING: packages/projector/dist is older than ${stale.join(", ")}: the bench runs the built code (npx tsc -b packages/projector)`);
    nats = await ensureNatsServer({ host: "127.0.0.1", port: await freePort(), storeDir: dirs.nats, logFile: join(work, "nats.log") });
    if (!nats.started) throw new Error(`something already listens at ${nats.url}`);
    // noAsyncTraces: no Error object per request for its stack (as the services connect).
    nc = await connect({ servers: nats.url, noAsyncTraces: true });
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm);
    const limits = {
      account: (await jsm.getAccountInfo()).limits,
      events: (await jsm.streams.info(STREAM_EVENTS)).config,
      logs: (await jsm.streams.info(STREAM_LOGS)).config,
    };

    const now = Date.now();
    const plan = planHistory({ messages: opts.messages, builds: opts.builds, repos: opts.repos, days: opts.days, failureRate: opts.failureRate, seed: opts.seed, now });
    const { counts } = plan;
    log(`history: ${counts.events + counts.logs} messages (${counts.events} events, ${counts.logs} log chunks), ${counts.builds} builds (${counts.failed} failed) of ${counts.deliveries} deliveries, ${opts.repos} repos, ${opts.days} days`);
    if (counts.events > opts.messages) log(`  --events ${opts.messages} is fewer than the domain events of ${opts.builds} builds alone: no log chunks`);
    const published = await publish(nc, plan);
    const stored = { events: (await jsm.streams.info(STREAM_EVENTS)).state, logs: (await jsm.streams.info(STREAM_LOGS)).state };
    if (stored.events.messages !== counts.events || stored.logs.messages !== counts.logs || published.duplicates > 0) {
      throw new Error(`streams hold ${stored.events.messages} events and ${stored.logs.messages} log chunks (${published.duplicates} duplicates), planned ${counts.events} and ${counts.logs}`);
    }
    log(`published in ${(published.ms / 1000).toFixed(1)} s; NATS store ${(dirSize(dirs.nats).bytes / 1e6).toFixed(0)} MB`);

    log("bare ordered-consumer drains, before the replay");
    const drainsBefore = await drains(nc, counts);

    const token = randomBytes(24).toString("hex");
    const setup = { natsUrl: nats.url, name: `bench-${randomBytes(4).toString("hex")}`, dataDir: dirs.state, logsDir: dirs.logs, port: await freePort(), token };
    log(`replay: projector ${setup.name} from an empty state folder`);
    const natsCpu0 = cpuMs(nats.pid!);
    projector = await startProjector({ ...setup, ...(cpuProfDir ? { extraEnv: profilerEnv(cpuProfDir, "projector-replay") } : {}) });
    const pid = projector.service.pid;
    const memory = sampleMemory([pid], opts.sampleMs);
    const caught = await waitCaughtUp(jsm, setup.name, { events: stored.events.last_seq, logs: stored.logs.last_seq }, {
      everyMs: 50,
      timeoutMs: opts.replayTimeoutMs,
      from: projector.spawnedAt,
      progress: (p) => log(`  ${Math.round((performance.now() - projector!.spawnedAt) / 1000)} s: events ${k(p.events.handled)}/${k(counts.events)}, logs ${k(p.logs.handled)}/${k(counts.logs)}`),
    });
    const replayCpu = { projectorMs: cpuMs(pid), natsMs: natsCpu0 === null ? null : (cpuMs(nats.pid!) ?? NaN) - natsCpu0 };

    log("replay command (POST /replay on the caught-up projector), between bare drains of CI_EVENTS alone");
    const eventsOnly = { events: counts.events, logs: 0 };
    const eventDrains = await drains(nc, eventsOnly);
    const commandCpu0 = cpuMs(pid);
    const command = await runReplayCommand(projector.url, token, {
      timeoutMs: opts.replayTimeoutMs,
      progress: (st) => log(`  replay ${st.state}: ${k(st.applied)}/${k(counts.events)} events`),
    });
    const commandCpuMs = commandCpu0 === null ? null : (cpuMs(pid) ?? NaN) - commandCpu0;
    log(`  replay command ${command.state} in ${(command.ms / 1000).toFixed(1)} s: ${command.applied} events (${Math.round(command.applied / (command.ms / 1000))}/s); API answered ${command.apiAnswers} list requests meanwhile, failed ${command.apiFailures}`);
    if (command.state === "failed") log(`  replay command error: ${command.error ?? "(none given)"}`);
    eventDrains.push(...(await drains(nc, eventsOnly)));
    const replayEnd = Math.max(caught.eventsDoneAt ?? performance.now(), caught.logsDoneAt ?? performance.now());
    if (caught.timedOut) log(`  replay timed out after ${opts.replayTimeoutMs / 1000} s: the figures below are of a partial replay`);
    await sleep(opts.settleMs);
    memory.stop();
    const samples = memory.samples(pid);
    const settled = readMemory(pid);
    const replay: ProjectorBench["replay"] = {
      ms: replayEnd - projector.spawnedAt,
      readyLineMs: projector.readyLineMs,
      eventsMs: caught.eventsDoneAt === null ? null : caught.eventsDoneAt - projector.spawnedAt,
      logsMs: caught.logsDoneAt === null ? null : caught.logsDoneAt - projector.spawnedAt,
      handled: { events: caught.last.events.handled, logs: caught.last.logs.handled },
      timedOut: caught.timedOut,
      cpu: replayCpu,
      rss: { peakKb: Math.max(...samples.map((s) => s.rssKb)), peakAnonKb: Math.max(...samples.map((s) => s.anonKb)), hwmKb: settled?.hwmKb ?? NaN, settledKb: settled?.rssKb ?? NaN },
      stopMs: NaN,
    };
    let t = performance.now();
    await projector.service.stop();
    replay.stopMs = performance.now() - t;
    projector = undefined;
    log(`  replayed in ${(replay.ms / 1000).toFixed(1)} s; stopped in ${(replay.stopMs / 1000).toFixed(2)} s${cpuProfDir ? `; CPU profile in ${cpuProfDir}` : ""}`);

    log("bare ordered-consumer drains, after the replay");
    const drainsAfter = await drains(nc, counts);

    const restarts: RestartTiming[] = [];
    for (let i = 1; i <= opts.restarts; i++) {
      // With --cpu-prof, the last restart is profiled too: its start and the queries that follow.
      const profiled = cpuProfDir !== null && i === opts.restarts;
      projector = await startProjector({ ...setup, ...(profiled ? { extraEnv: profilerEnv(cpuProfDir, "projector-restart") } : {}) });
      restarts.push(await timeToServing(projector, token));
      log(`  restart ${i}/${opts.restarts}: ready line ${Math.round(restarts.at(-1)!.readyLineMs)} ms, serving ${Math.round(restarts.at(-1)!.buildsMs)} ms`);
      if (i < opts.restarts) {
        await projector.service.stop();
        projector = undefined;
      }
    }
    const restarted = projector!;
    const restartRss = { readyKb: readMemory(restarted.service.pid)?.rssKb ?? NaN, afterQueriesKb: NaN, hwmKb: NaN };

    log("sample of builds read back");
    const consistency = await checkSample(restarted, token, plan, dirs.logs, published.logBytes);

    const tallies = planTallies(plan);
    const busiest = [...tallies.byRepo].sort((a, b) => b[1] - a[1])[0]!;
    const cases = queryCases({
      repo: busiest[0],
      branch: "develop",
      asOf: new Date(now - 3600_000).toISOString(),
      expected: { repo: busiest[1], repoFailed: tallies.failedByRepo.get(busiest[0]) ?? 0, failed: counts.failed, branch: tallies.byBranch.get("develop") ?? 0 },
    });
    const client = keepAliveClient(restarted.url, token);
    const queries = [];
    try {
      for (const c of cases) {
        const time = (path: string) => timeGetsApart({ url: restarted.url, token, path, requests: opts.requests, warmup: opts.warmup, maxMs: opts.queryMs });
        const q = await runQuery(client, c, { slowMs: GOAL_QUERY_P99_MS, time });
        log(`  GET ${c.path}: ${q.supported === "yes" ? `p50 ${q.p50Ms.toFixed(2)} ms, p99 ${q.p99Ms.toFixed(2)} ms over ${q.requests}` : q.supported}`);
        queries.push(q);
      }
    } finally {
      client.close();
    }
    const after = readMemory(restarted.service.pid);
    restartRss.afterQueriesKb = after?.rssKb ?? NaN;
    restartRss.hwmKb = after?.hwmKb ?? NaN;
    t = performance.now();
    await restarted.service.stop();
    const lastStopMs = performance.now() - t;
    projector = undefined;

    const result: ProjectorBench = {
      options: opts,
      counts,
      limits: {
        accountMaxStorage: limits.account.max_storage,
        events: { maxBytes: limits.events.max_bytes, maxMsgs: limits.events.max_msgs, maxAgeNs: limits.events.max_age },
        logs: { maxBytes: limits.logs.max_bytes, maxMsgs: limits.logs.max_msgs, maxAgeNs: limits.logs.max_age },
      },
      publish: { ms: published.ms, duplicates: published.duplicates },
      stored: { events: { messages: stored.events.messages, bytes: stored.events.bytes }, logs: { messages: stored.logs.messages, bytes: stored.logs.bytes } },
      drains: [...drainsBefore, ...drainsAfter],
      replay,
      command: { ...command, cpuMs: commandCpuMs, drains: eventDrains },
      restarts,
      lastStopMs,
      restartRss,
      queries,
      consistency,
      disk: { state: entrySizes(dirs.state), logs: dirSize(dirs.logs), nats: dirSize(dirs.nats) },
    };
    await stop();
    printProjectorReport(result);
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
