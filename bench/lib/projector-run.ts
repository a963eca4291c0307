/**
 * One projector process for the bench: started as `npm start` starts it (its built entry, its own
 * durables and state folder), timed from the spawn, and watched through its durables until it has
 * handled everything the streams hold.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { JetStreamManager } from "@nats-io/jetstream";
import { projectorDurables, STREAM_EVENTS, STREAM_LOGS } from "@slipway/events";
import { isReadyLine, startService, type RunningService } from "@slipway/test-kit";
import { keepAliveClient } from "./http-get.js";

export type ProjectorSetup = {
  natsUrl: string;
  /** SLIPWAY_PROJECTOR_NAME: names its durables `<name>` and `<name>-logs`. */
  name: string;
  dataDir: string;
  logsDir: string;
  port: number;
  token: string;
  /** More environment for the process (e.g. a profiler preload in NODE_OPTIONS). */
  extraEnv?: Record<string, string>;
};

export type StartedProjector = {
  service: RunningService;
  url: string;
  /** performance.now() just before the spawn. */
  spawnedAt: number;
  /** From the spawn to its `ready` log line (state loaded, listening, consumers set up). */
  readyLineMs: number;
  /** From the spawn to its first log line (`starting`): Node and the modules loaded. */
  startingLineMs: number | null;
  /** What its ready line said: builds in the loaded model and its checkpoint. */
  loaded: { builds: number | null; checkpoint: number | null };
};

/** The `time` (epoch ms, pino's) of the first JSON log line whose `msg` is `msg`. */
function lineTime(output: string, msg: string): number | null {
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const parsed = JSON.parse(line) as { msg?: unknown; time?: unknown };
      if (parsed.msg === msg && typeof parsed.time === "number") return parsed.time;
    } catch {
      // Not a log line.
    }
  }
  return null;
}

export async function startProjector(s: ProjectorSetup): Promise<StartedProjector> {
  const spawnedAt = performance.now();
  const spawnedEpoch = Date.now();
  const service = await startService(
    "projector",
    {
      SLIPWAY_NATS_URL: s.natsUrl,
      SLIPWAY_PROJECTOR_NAME: s.name,
      SLIPWAY_PROJECTOR_DATA: s.dataDir,
      SLIPWAY_LOGS_DIR: s.logsDir,
      SLIPWAY_PROJECTOR_HOST: "127.0.0.1",
      SLIPWAY_PROJECTOR_PORT: String(s.port),
      SLIPWAY_API_TOKEN: s.token,
      SLIPWAY_LOG_LEVEL: "info",
      ...s.extraEnv,
    },
    { readyTimeoutMs: 600_000 },
  );
  const readyLineMs = performance.now() - spawnedAt;
  const line = service.output().split("\n").find(isReadyLine);
  const ready = line ? (JSON.parse(line) as { builds?: unknown; checkpoint?: unknown }) : {};
  const num = (v: unknown) => (typeof v === "number" ? v : null);
  const starting = lineTime(service.output(), "starting");
  return {
    service,
    url: `http://127.0.0.1:${s.port}`,
    spawnedAt,
    readyLineMs,
    startingLineMs: starting === null ? null : starting - spawnedEpoch,
    loaded: { builds: num(ready.builds), checkpoint: num(ready.checkpoint) },
  };
}

/** Times after the spawn of a (re)started projector until it answers. */
export type RestartTiming = {
  /** Spawn -> `starting` line: Node up and the service's modules loaded. */
  startingLineMs: number | null;
  readyLineMs: number;
  /** `GET /readyz` answered 200 (both durables within SLIPWAY_PROJECTOR_READY_MAX_LAG). */
  readyzMs: number;
  /** `GET /builds` answered 200 after that: ready and serving the history. */
  buildsMs: number;
  /** 503 answers of /readyz before the 200. */
  readyzPolls: number;
  loaded: StartedProjector["loaded"];
};

/** Polls /readyz (every 5 ms) until 200, then one GET /builds; times from the spawn. */
export async function timeToServing(p: StartedProjector, token: string, timeoutMs = 120_000): Promise<RestartTiming> {
  const client = keepAliveClient(p.url, token);
  try {
    let polls = 0;
    for (;;) {
      const a = await client.get("/readyz");
      if (a.status === 200) break;
      polls++;
      if (performance.now() - p.spawnedAt > timeoutMs) throw new Error(`projector not ready after ${timeoutMs} ms: ${a.status} ${a.body}`);
      await sleep(5);
    }
    const readyzMs = performance.now() - p.spawnedAt;
    const builds = await client.get("/builds?limit=1");
    if (builds.status !== 200) throw new Error(`GET /builds after ready: ${builds.status} ${builds.body}`);
    return { startingLineMs: p.startingLineMs, readyLineMs: p.readyLineMs, readyzMs, buildsMs: performance.now() - p.spawnedAt, readyzPolls: polls, loaded: p.loaded };
  } finally {
    client.close();
  }
}

export type DurableProgress = { handled: number; pending: number; ackPending: number; delivered: number };
export type CatchUp = {
  /** performance.now() when each durable had nothing pending or unacked (null: timed out). */
  eventsDoneAt: number | null;
  logsDoneAt: number | null;
  last: { events: DurableProgress; logs: DurableProgress };
  timedOut: boolean;
};

/**
 * Polls both durables every `everyMs` until each has delivered its stream's last message and has
 * nothing pending or unacked (the events durable acks only once a save holds the messages).
 */
export async function waitCaughtUp(
  jsm: JetStreamManager,
  name: string,
  lastSeq: { events: number; logs: number },
  o: { everyMs: number; timeoutMs: number; from: number; progress?: (p: CatchUp["last"]) => void; progressEveryMs?: number },
): Promise<CatchUp> {
  const durables = projectorDurables(name);
  const read = async (stream: string, durable: string): Promise<DurableProgress> => {
    const info = await jsm.consumers.info(stream, durable);
    return { handled: info.ack_floor.stream_seq, pending: info.num_pending, ackPending: info.num_ack_pending, delivered: info.delivered.stream_seq };
  };
  const done = (p: DurableProgress, last: number) => p.pending === 0 && p.ackPending === 0 && p.delivered >= last;
  let eventsDoneAt: number | null = null;
  let logsDoneAt: number | null = null;
  let last = { events: await read(STREAM_EVENTS, durables.events.name), logs: await read(STREAM_LOGS, durables.logs.name) };
  let reported = performance.now();
  for (;;) {
    const now = performance.now();
    last = { events: await read(STREAM_EVENTS, durables.events.name), logs: await read(STREAM_LOGS, durables.logs.name) };
    if (eventsDoneAt === null && done(last.events, lastSeq.events)) eventsDoneAt = now;
    if (logsDoneAt === null && done(last.logs, lastSeq.logs)) logsDoneAt = now;
    if (eventsDoneAt !== null && logsDoneAt !== null) return { eventsDoneAt, logsDoneAt, last, timedOut: false };
    if (now - o.from > o.timeoutMs) return { eventsDoneAt, logsDoneAt, last, timedOut: true };
    if (o.progress && now - reported >= (o.progressEveryMs ?? 15_000)) {
      reported = now;
      o.progress(last);
    }
    await sleep(o.everyMs);
  }
}
