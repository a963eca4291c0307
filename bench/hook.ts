/**
 * Hook throughput: autocannon against ingress's `POST /hook` with GitHub's own push payload, signed
 * (SLIPWAY_WEBHOOK_SECRET set, `X-Hub-Signature-256` over the exact bytes), every request with its
 * own `X-GitHub-Delivery`; against a bare fastify route answering 202 to the same requests
 * (bench/baseline/bare-hook.ts). Both are their own processes, started by this script, and take
 * turns (bare, slipway, per round) so that noise on this machine hits both; one unmeasured
 * warm-up each first (3 s: after 1 s, ingress's first round still took 504-626 us of CPU per
 * answer against 346-427 in the next two, and 366 with a 5 s warm-up). Only ingress and NATS
 * run: no git-sync, no builders.
 *
 *   node --import tsx bench/hook.ts [--rounds 3] [--duration 5] [--connections 25] [--warmup 3]
 *                                 [--nats native|container]  (default native: nats-server as `npm start` runs it)
 *
 * Afterwards the stream must hold exactly one WebhookReceived per 200 answer ingress gave (every
 * answer waits for JetStream's ack; each delivery id is new, so none is deduplicated).
 *
 * Goals at --connections 25 (25 deliveries in flight at once, as a burst of pushes across an
 * organisation's repos brings; at fewer, each hook's JetStream round trip is shared with fewer
 * others, see bench/README.md): median(slipway req/s / bare req/s) >= 0.5; slipway p99 < 20 ms;
 * stored == accepted; no errors and no answer other than 200 (slipway) / 202 (bare).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { sign } from "@octokit/webhooks-methods";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { filters, STREAM_EVENTS } from "@slipway/events";
import { ensureDockerEngine, ensureNatsServer, freePort, startService, startTestNats, type RunningService } from "@slipway/test-kit";
import { containerPid, cpuMeter } from "./lib/cpu.js";
import { githubPushExample, postBody } from "./lib/hook.js";
import { runLoad, type LoadRun } from "./lib/load.js";
import { median, printResult, quantile, round, table, verdict } from "./lib/report.js";

const GOAL_RATIO = 0.5;
const GOAL_P99_MS = 20;
/** The concurrency the goals are named for. */
const GOAL_CONNECTIONS = 25;
const BARE_HOOK = join(dirname(fileURLToPath(import.meta.url)), "baseline", "bare-hook.ts");

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: String(GOAL_CONNECTIONS) },
    warmup: { type: "string", default: "3" },
    nats: { type: "string", default: "native" },
  },
  strict: true,
});

const number = (name: string, raw: string, min: number, whole = true): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || (whole && !Number.isInteger(n)) || n < min) throw new Error(`--${name} must be a ${whole ? "whole " : ""}number >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
};
const rounds = number("rounds", args.rounds, 1);
const durationS = number("duration", args.duration, 0.5, false);
const connections = number("connections", args.connections, 1);
const warmupS = number("warmup", args.warmup, 0, false);
if (args.nats !== "native" && args.nats !== "container") throw new Error(`--nats must be native or container, got ${JSON.stringify(args.nats)}`);
const natsKind = args.nats;

/** The NATS server ingress publishes to, and its host pid for the CPU figures. */
type BenchNats = { url: string; pid(): Promise<number | null>; stop(): Promise<void> };

/**
 * `native`: nats-server run as `npm start` runs it (a process on this host); `container`: the test
 * harness's container, whose port mapping adds a proxy hop to every message.
 */
async function startNats(): Promise<BenchNats> {
  if (natsKind === "container") {
    const nats = await startTestNats();
    return { url: nats.url, pid: () => containerPid(Number(new URL(nats.url).port)).catch(() => null), stop: () => nats.stop() };
  }
  const dir = mkdtempSync(join(tmpdir(), "slipway-bench-nats-"));
  const server = await ensureNatsServer({ host: "127.0.0.1", port: await freePort(), storeDir: join(dir, "store"), logFile: join(dir, "nats.log") });
  return {
    url: server.url,
    pid: async () => server.pid,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Bench = { nats: BenchNats; ingress: RunningService; bare: RunningService; hookUrl: string; bareUrl: string; secret: string; stop(): Promise<void> };

/** NATS, ingress with a webhook secret, and the bare app. */
async function startBench(): Promise<Bench> {
  if (natsKind === "container") await ensureDockerEngine();
  const secret = randomBytes(32).toString("hex");
  let nats: BenchNats | undefined;
  const services: RunningService[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      const report = (what: string) => (err: unknown) => console.error(`cleanup (${what}):`, err instanceof Error ? err.message : err);
      for (const s of services.reverse()) await s.stop().catch(report(s.name));
      await nats?.stop().catch(report("nats"));
    })());
  try {
    nats = await startNats();
    const [ingressPort, barePort] = [await freePort(), await freePort()];
    const ingress = await startService("ingress", {
      SLIPWAY_NATS_URL: nats.url,
      SLIPWAY_INGRESS_HOST: "127.0.0.1",
      SLIPWAY_INGRESS_PORT: String(ingressPort),
      SLIPWAY_WEBHOOK_SECRET: secret,
      SLIPWAY_LOG_LEVEL: "info",
    });
    services.push(ingress);
    const nodeOptions = [process.env.NODE_OPTIONS, "--import tsx"].filter(Boolean).join(" ");
    const bare = await startService("bare-hook", { BARE_HOOK_PORT: String(barePort), NODE_OPTIONS: nodeOptions }, { entry: BARE_HOOK });
    services.push(bare);
    return { nats, ingress, bare, hookUrl: `http://127.0.0.1:${ingressPort}/hook`, bareUrl: `http://127.0.0.1:${barePort}/hook`, secret, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** WebhookReceived messages in the events stream. */
async function storedWebhooks(natsUrl: string): Promise<number> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(STREAM_EVENTS, { subjects_filter: filters.webhooks });
    return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  } finally {
    await nc.close();
  }
}

type Side = "bare" | "slipway";
/** A load run and the CPU ms its server, NATS and this process (the load generator) used. */
type Measured = LoadRun & { cpu: { server: number | null; nats: number | null; loadgen: number | null } };
type Round = Record<Side, Measured>;

const ms = (n: number): string => n.toFixed(2);
/** CPU µs per 2xx answer; null when the process could not be read. */
const perRequest = (cpuMs: number | null, r: LoadRun): number | null => (cpuMs === null || r.ok2xx === 0 ? null : (cpuMs * 1000) / r.ok2xx);
const us = (n: number | null): string => (n === null || Number.isNaN(n) ? "-" : String(Math.round(n)));
/** How busy this process (the load generator) was during a run: near 100 %, it limits the rate. */
const busy = (r: Measured): string => (r.cpu.loadgen === null ? "-" : String(Math.round((100 * r.cpu.loadgen) / r.elapsedMs)));
const pooled = (runs: Measured[]) => {
  const latencies = runs.flatMap((r) => r.latenciesMs);
  const ok = runs.reduce((n, r) => n + r.ok2xx, 0);
  const seconds = runs.reduce((n, r) => n + r.elapsedMs, 0) / 1000;
  return {
    okPerSec: ok / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    unanswered: runs.reduce((n, r) => n + r.unanswered, 0),
    serverUsPerReq: median(runs.map((r) => perRequest(r.cpu.server, r)).filter((v) => v !== null)),
    natsUsPerReq: median(runs.map((r) => perRequest(r.cpu.nats, r)).filter((v) => v !== null)),
  };
};
const statusList = (r: LoadRun): string =>
  Object.entries(r.statuses)
    .map(([code, n]) => `${code}x${n}`)
    .join(" ");

async function main(): Promise<void> {
  const body = Buffer.from(githubPushExample(), "utf8");
  const bench = await startBench();
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping`);
    void bench.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const results: Round[] = [];
  /** Every slipway run, warm-up included: each of their 2xx answers must be in the stream. */
  const slipwayRuns: Measured[] = [];
  let stored = NaN;
  let sanityAccepted = 0;
  try {
    const headers = {
      "Content-Type": "application/json",
      "User-Agent": "GitHub-Hookshot/slipway-bench",
      "X-GitHub-Event": "push",
      "X-Hub-Signature-256": await sign(bench.secret, body.toString("utf8")),
    };
    const url: Record<Side, string> = { bare: bench.bareUrl, slipway: bench.hookUrl };
    // One request each first, so that a refused signature or payload fails here, with its answer.
    for (const [side, expected] of [["slipway", 200], ["bare", 202]] as const) {
      const res = await postBody(url[side], body, { ...headers, "X-GitHub-Delivery": randomUUID() });
      if (res.status !== expected || (side === "slipway" && !res.body.includes('"status":"success"'))) {
        throw new Error(`${side}: the signed push was answered ${res.status} ${res.body}, expected ${expected}`);
      }
    }
    sanityAccepted = 1;

    const natsPid = await bench.nats.pid();
    const serverPid: Record<Side, number> = { bare: bench.bare.pid, slipway: bench.ingress.pid };
    const load = async (side: Side, seconds: number): Promise<Measured> => {
      const cpu = cpuMeter({ server: serverPid[side], nats: natsPid, loadgen: process.pid });
      const run = await runLoad({ url: url[side], body, headers, connections, durationMs: seconds * 1000 });
      const used = cpu();
      const measured: Measured = { ...run, cpu: { server: used.server ?? null, nats: used.nats ?? null, loadgen: used.loadgen ?? null } };
      if (side === "slipway") slipwayRuns.push(measured);
      return measured;
    };
    console.error(`[hook] ${body.length} B push payload, ${connections} connections; warm-up ${warmupS} s each`);
    if (warmupS > 0) {
      await load("bare", warmupS);
      await load("slipway", warmupS);
    }
    for (let i = 1; i <= rounds; i++) {
      const bare = await load("bare", durationS);
      const slipway = await load("slipway", durationS);
      results.push({ bare, slipway });
      console.error(
        `[hook] round ${i}/${rounds}: bare ${Math.round(bare.okPerSec)} req/s, slipway ${Math.round(slipway.okPerSec)} req/s (ratio ${(slipway.okPerSec / bare.okPerSec).toFixed(3)})`,
      );
    }
    stored = await storedWebhooks(bench.nats.url);
  } catch (err) {
    console.error(`--- ingress (pid ${bench.ingress.pid}) ---\n${bench.ingress.output().trimEnd().split("\n").slice(-30).join("\n")}`);
    console.error(`--- bare-hook (pid ${bench.bare.pid}) ---\n${bench.bare.output().trimEnd().split("\n").slice(-30).join("\n")}`);
    throw err;
  } finally {
    await bench.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }

  // The warm-up and the first request count too: every 2xx of this run must be in the stream.
  const accepted = sanityAccepted + slipwayRuns.reduce((n, r) => n + r.ok2xx, 0);
  const unanswered = slipwayRuns.reduce((n, r) => n + r.unanswered, 0);
  const countOk = stored === accepted && unanswered === 0;
  const bare = pooled(results.map((r) => r.bare));
  const slipway = pooled(results.map((r) => r.slipway));
  const ratios = results.map((r) => r.slipway.okPerSec / r.bare.okPerSec);
  const ratio = median(ratios);
  const clean = (side: Side, expected: number) => results.every((r) => r[side].errors === 0 && r[side].unanswered === 0 && Object.keys(r[side].statuses).every((c) => Number(c) === expected));
  const cleanAnswers = clean("bare", 202) && clean("slipway", 200);
  // Met only at the concurrency the goals are named for.
  const met = connections === GOAL_CONNECTIONS && ratio >= GOAL_RATIO && slipway.p99 < GOAL_P99_MS && countOk && cleanAnswers;

  console.log(`\nhook: POST /hook, ${body.length} B signed GitHub push, ${connections} connections, ${rounds} rounds x ${durationS} s (bare, then slipway)\n`);
  console.log(
    table([
      ["round", "bare req/s", "slipway req/s", "ratio", "bare p50/p99 ms", "slipway p50/p99 ms", "CPU us/req bare", "ingress+nats", "loadgen % b/s", "bare answers", "slipway answers", "errors b/s"],
      ...results.map((r, i) => [
        i + 1,
        Math.round(r.bare.okPerSec),
        Math.round(r.slipway.okPerSec),
        (r.slipway.okPerSec / r.bare.okPerSec).toFixed(3),
        `${ms(quantile(r.bare.latenciesMs, 0.5))}/${ms(quantile(r.bare.latenciesMs, 0.99))}`,
        `${ms(quantile(r.slipway.latenciesMs, 0.5))}/${ms(quantile(r.slipway.latenciesMs, 0.99))}`,
        us(perRequest(r.bare.cpu.server, r.bare)),
        `${us(perRequest(r.slipway.cpu.server, r.slipway))}+${us(perRequest(r.slipway.cpu.nats, r.slipway))}`,
        `${busy(r.bare)}/${busy(r.slipway)}`,
        statusList(r.bare),
        statusList(r.slipway),
        `${r.bare.errors + r.bare.unanswered}/${r.slipway.errors + r.slipway.unanswered}`,
      ]),
    ]),
  );
  console.log("");
  console.log(`bare:    ${Math.round(bare.okPerSec)} req/s, p50 ${ms(bare.p50)} ms, p99 ${ms(bare.p99)} ms; server CPU ${us(bare.serverUsPerReq)} us/req`);
  console.log(
    `slipway: ${Math.round(slipway.okPerSec)} req/s, p50 ${ms(slipway.p50)} ms, p99 ${ms(slipway.p99)} ms (goal < ${GOAL_P99_MS} ms: ${verdict(slipway.p99 < GOAL_P99_MS)}); ` +
      `CPU ingress ${us(slipway.serverUsPerReq)} + nats ${us(slipway.natsUsPerReq)} us/req`,
  );
  console.log(`ratio slipway/bare, median of rounds: ${ratio.toFixed(3)} (goal >= ${GOAL_RATIO}: ${verdict(ratio >= GOAL_RATIO)})`);
  if (connections !== GOAL_CONNECTIONS) console.log(`(the goals are named for ${GOAL_CONNECTIONS} connections; this run used ${connections})`);
  console.log(
    `stream ${STREAM_EVENTS} ${filters.webhooks}: ${stored} stored, ${accepted} 2xx answers from ingress (warm-up and first request included)` +
      `${unanswered > 0 ? `, ${unanswered} cut unanswered` : ""}: ${verdict(countOk)}`,
  );
  console.log(`answers: only 202 (bare) and 200 (slipway), no errors: ${verdict(cleanAnswers)}`);
  console.log("");
  printResult({
    bench: "hook",
    rounds,
    durationS,
    connections,
    warmupS,
    payloadBytes: body.length,
    goal: { ratio: GOAL_RATIO, p99Ms: GOAL_P99_MS, connections: GOAL_CONNECTIONS },
    bareReqPerSec: round(bare.okPerSec),
    slipwayReqPerSec: round(slipway.okPerSec),
    medianRatio: round(ratio, 3),
    bareP50Ms: round(bare.p50, 2),
    bareP99Ms: round(bare.p99, 2),
    slipwayP50Ms: round(slipway.p50, 2),
    slipwayP99Ms: round(slipway.p99, 2),
    bareCpuUsPerReq: round(bare.serverUsPerReq),
    ingressCpuUsPerReq: round(slipway.serverUsPerReq),
    natsCpuUsPerReq: round(slipway.natsUsPerReq),
    bareNon2xx: bare.non2xx,
    slipwayNon2xx: slipway.non2xx,
    bareErrors: bare.errors + bare.unanswered,
    slipwayErrors: slipway.errors + slipway.unanswered,
    stored,
    accepted,
    countMatches: countOk,
    met,
    runs: results.map((r) => ({
      bareReqPerSec: round(r.bare.okPerSec),
      slipwayReqPerSec: round(r.slipway.okPerSec),
      ratio: round(r.slipway.okPerSec / r.bare.okPerSec, 3),
      bareP99Ms: round(quantile(r.bare.latenciesMs, 0.99), 2),
      slipwayP99Ms: round(quantile(r.slipway.latenciesMs, 0.99), 2),
      bareCpuUsPerReq: round(perRequest(r.bare.cpu.server, r.bare) ?? NaN),
      ingressCpuUsPerReq: round(perRequest(r.slipway.cpu.server, r.slipway) ?? NaN),
      natsCpuUsPerReq: round(perRequest(r.slipway.cpu.nats, r.slipway) ?? NaN),
    })),
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
