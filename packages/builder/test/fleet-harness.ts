import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { STREAM_EVENTS, STREAM_LOGS, decodeEvent, lastBuildEvent, subjects, type BuildPhase, type Event, type EventType } from "@slipway/events";
import { ensureBaseImage, runningSteps, removeLocalTags, startService, startTestRegistry, withJetStream, type RunningService, type SuiteHooks, type TestBus, type TestNats, type TestRegistry } from "@slipway/test-kit";
import { publishQueued, queuedBuild, storeContext } from "./fixtures.js";
import type { BuildQueued } from "@slipway/events";

/**
 * One NATS, one registry and a client for a builder integration test suite, with the reads the
 * tests assert on: what the stream stores for a build, its log, its containers.
 */
export type Fleet = {
  nats: TestNats;
  registry: TestRegistry;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  docker: Docker;
  /** A `FROM` image with a shell. */
  base: string;
  /** Starts a builder process; stopped after the suite if the test did not. */
  builder(env?: Record<string, string>): Promise<RunningService>;
  /** Stores a one-Dockerfile context and queues its build; returns the BuildQueued data. */
  queue(dockerfile: string, fields?: Partial<BuildQueued>): Promise<BuildQueued>;
  /** A check for `until`: the build has its verdict (pushed or failed). */
  ended(buildId: string): () => Promise<boolean>;
  /** How many events of `phase` the stream holds for the build. */
  count(buildId: string, phase: BuildPhase): Promise<number>;
  /** The newest stored event of `phase` for the build, if any. */
  last<T extends EventType>(buildId: string, phase: BuildPhase, type: T): Promise<Event<T> | null>;
  /** Every stored log chunk of a build, in stream order. */
  logChunks(buildId: string): Promise<Event<"BuildLogChunk">[]>;
  /** Running build steps whose command mentions `nonce`. */
  runningSteps(nonce: string): Promise<number>;
};

/** The fleet of a uvu suite: started in its `before`, stopped in its `after` (see `withJetStream`). */
export function withFleet(suite: SuiteHooks): Fleet {
  const bus = withJetStream(suite);
  const fleet = {} as Fleet;
  suite.before(async () => void Object.assign(fleet, await startFleet(bus)));
  suite.after(async () => {
    if (fleet.registry) await removeLocalTags(fleet.registry.address).catch((err: unknown) => console.error("cleanup:", err));
  });
  return fleet;
}

async function startFleet(bus: TestBus): Promise<Fleet> {
  const base = await ensureBaseImage();
  const { nats, nc, js, jsm } = bus;
  const registry = bus.own(await startTestRegistry());

  const fleet: Fleet = {
    nats,
    registry,
    nc,
    js,
    jsm,
    docker: new Docker(),
    base,
    builder: async (env = {}) => bus.own(await startService("builder", { SLIPWAY_NATS_URL: nats.url, SLIPWAY_LOG_LEVEL: "info", ...env })),
    async queue(dockerfile, fields = {}) {
      const buildId = "b" + randomBytes(6).toString("hex");
      const contextObject = await storeContext(nc, "Dockerfile", dockerfile);
      const data = queuedBuild(buildId, { image: `${fleet.registry.address}/fleet-${buildId}`, contextObject, ...fields });
      await publishQueued(js, data);
      return data;
    },
    ended: (buildId) => async () => (await fleet.count(buildId, "pushed")) + (await fleet.count(buildId, "failed")) > 0,
    async count(buildId, phase) {
      const subject = subjects.build(buildId, phase);
      const info = await jsm.streams.info(STREAM_EVENTS, { subjects_filter: subject });
      return info.state.subjects?.[subject] ?? 0;
    },
    async last(buildId, phase, type) {
      const event = await lastBuildEvent(jsm, buildId, phase);
      if (!event) return null;
      if (event.type !== type) throw new Error(`expected ${type} on ${phase}, found ${event.type}`);
      return event as Event<typeof type>;
    },
    async logChunks(buildId) {
      const consumer = await js.consumers.get(STREAM_LOGS, { filter_subjects: subjects.log(buildId) });
      const chunks: Event<"BuildLogChunk">[] = [];
      for (;;) {
        const m = await consumer.next({ expires: 1000 });
        if (!m) break;
        const event = decodeEvent(m.data);
        if (event.type === "BuildLogChunk") chunks.push(event);
        if (m.info.pending === 0) break;
      }
      return chunks;
    },
    runningSteps,
  };
  return fleet;
}

/** Polls `check` until it holds; the bound only keeps a broken builder from hanging the run. */
export async function until(check: () => boolean | Promise<boolean>, boundMs = 60_000, everyMs = 100): Promise<boolean> {
  const end = Date.now() + boundMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return check();
}
