import { join } from "node:path";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { ensureDurable, ensureStreams, projectorDurables, STREAM_EVENTS } from "@slipway/events";
import { connectNats, type Logger } from "@slipway/service-kit";
import { accessMode } from "./access.js";
import { buildApp } from "./app.js";
import type { ProjectorConfig } from "./config.js";
import { positionDurable } from "./durable-position.js";
import { startEventProjection } from "./event-projection.js";
import { durableEventSource } from "./event-source.js";
import { lagProbe } from "./lag-probe.js";
import { moveLegacyLogFiles } from "./legacy-log-files.js";
import { startLogSync } from "./log-sync.js";
import { LOG_ATTEMPTS_DIR, LogWriter, startLogProjection } from "./log-writer.js";
import { ProjectionState } from "./projection-state.js";
import { ModelStore } from "./model-store.js";
import { isTerminal } from "./read-model.js";
import { SnapshotError, SnapshotErrorCode } from "./snapshot-store.js";

export type RunningProjector = {
  /** Where the HTTP API answers. */
  url: string;
  state: ProjectionState;
  /** Graceful stop: stop pulling, persist and ack, close the server, drain NATS. */
  stop(): Promise<void>;
};

/**
 * Loads the saved model, or starts empty (and replays the stream from sequence 1) when there is
 * none, it is unreadable, or it counts in another stream than the one on the server (recreated).
 */
async function loadState(store: ModelStore, jsm: JetStreamManager, logger: Logger): Promise<ProjectionState> {
  const info = await jsm.streams.info(STREAM_EVENTS);
  let snapshot;
  try {
    snapshot = await store.load();
  } catch (err) {
    if (!(err instanceof SnapshotError) || err.code !== SnapshotErrorCode.Corrupt) throw err;
    logger.warn({ err }, "saved read model unreadable, rebuilding it from the stream");
    await store.clear();
    return ProjectionState.empty(info.created);
  }
  if (snapshot === null) return ProjectionState.empty(info.created);
  if (snapshot.streamCreated !== info.created || snapshot.checkpoint > info.state.last_seq) {
    logger.warn({ checkpoint: snapshot.checkpoint, lastSeq: info.state.last_seq }, "saved read model belongs to another CI_EVENTS stream, rebuilding it");
    await store.clear();
    return ProjectionState.empty(info.created);
  }
  return ProjectionState.fromSnapshot(snapshot);
}

/** How long `GET /readyz` waits for NATS before it answers 503. */
const READY_TIMEOUT_MS = 2000;

export async function startProjector(config: ProjectorConfig, logger: Logger): Promise<RunningProjector> {
  // Durables of its own, named after the projector: replicas never move each other's position.
  const durables = projectorDurables(config.name);
  const nc: NatsConnection = await connectNats(config.natsUrl, `slipway-${config.name}`, logger);
  try {
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, config.streams);
    const store = new ModelStore(config.dataDir);
    const state = await loadState(store, jsm, logger);
    const moved = await positionDurable(jsm, durables.events, state.checkpoint());
    if (moved) logger.info({ durable: durables.events.name, checkpoint: state.checkpoint() }, "events consumer positioned after the checkpoint");
    await ensureDurable(jsm, durables.logs);
    const attemptsDir = join(config.dataDir, LOG_ATTEMPTS_DIR);
    const legacy = await moveLegacyLogFiles(config.logsDir, attemptsDir);
    if (legacy.moved + legacy.removed > 0) logger.info({ ...legacy, to: attemptsDir }, "moved the log bookkeeping of an older version out of the logs folder");

    // Listen before consuming: a taken port fails the start before anything is pulled.
    const readiness = lagProbe({ nc, jsm: await jetstreamManager(nc, { timeout: READY_TIMEOUT_MS }), durables, checkpoint: () => state.checkpoint(), maxLag: config.readyMaxLag });
    const js = jetstream(nc);
    const app = buildApp({ readModel: state, logsDir: config.logsDir, logger, apiToken: config.apiToken, readiness, live: { js, jsm } });
    const access = accessMode(config);
    logger[access.level]({ host: config.host, port: config.port }, access.message);
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const boundPort = typeof address === "object" && address !== null ? address.port : config.port;
    const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
    const url = `http://${host}:${boundPort}`;

    const logConsumer = await js.consumers.get(durables.logs.stream, durables.logs.name);

    let stopping = false;
    const projection = startEventProjection({
      source: durableEventSource(js, jsm, durables.events),
      state,
      store,
      logger,
      flushIntervalMs: config.flushIntervalMs,
      flushMaxMessages: config.flushMaxMessages,
    });
    void projection.done.then(
      () => {
        if (!stopping) logger.error("events consumer ended unexpectedly");
      },
      (err: unknown) => logger.error({ err }, "events consumer failed"),
    );
    const writer = new LogWriter(config.logsDir, attemptsDir);
    const logs = startLogProjection(logConsumer, writer, logger, durables.logs.maxDeliver);
    const logSync = startLogSync({
      writer,
      finished: (buildId) => {
        const build = state.model().builds.get(buildId);
        return build !== undefined && isTerminal(build.status);
      },
      logger,
    });

    logger.info({ url, name: config.name, durables: [durables.events.name, durables.logs.name], checkpoint: state.checkpoint(), builds: state.model().builds.size }, "ready");

    return {
      url,
      state,
      async stop() {
        stopping = true;
        await projection.stop();
        await store.close();
        await logs.stop();
        await logSync.stop();
        await app.close();
        await nc.drain();
      },
    };
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw err;
  }
}
