import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeEvent, ensureDurable, ensureStreams, projectorDurables, STREAM_EVENTS, type Event } from "@slipway/events";
import { dashboardDir, vendorModules } from "@slipway/dashboard";
import { connectNats, type Logger } from "@slipway/service-kit";
import { accessMode } from "./access.js";
import { buildApp } from "./app.js";
import type { ProjectorConfig } from "./config.js";
import { positionDurable } from "./durable-position.js";
import { startEventProjection, type EventProjection } from "./event-projection.js";
import { durableEventSource } from "./event-source.js";
import { lagProbe } from "./lag-probe.js";
import { moveLegacyLogFiles } from "./legacy-log-files.js";
import { startLogSync } from "./log-sync.js";
import { LOG_ATTEMPTS_DIR, LogWriter, startLogProjection } from "./log-writer.js";
import { ProjectionState, ViewFormatError } from "./projection-state.js";
import { isTerminal } from "./read-model.js";
import { removeReplayLeftovers, removeView, ReplayJob } from "./replay-job.js";
import { ViewHolder } from "./view-holder.js";
import { VIEW_FILE } from "./view-db.js";

export type RunningProjector = {
  /** Where the HTTP API answers. */
  url: string;
  /** The view the API reads (replaced by a replay). */
  view: ViewHolder;
  /** Graceful stop: stop pulling, persist and ack, close the server, drain NATS. */
  stop(): Promise<void>;
};

/** Files of the snapshot + journal store of earlier versions: the view is rebuilt from the stream instead. */
const OLD_STORE_FILES = ["read-model.json", "read-model.journal"];

/**
 * Opens the saved view, or a new one (the stream is then replayed from sequence 1) when there is
 * none, it has another layout version, or it counts in another stream than the one on the
 * server (recreated).
 */
async function openView(path: string, dataDir: string, jsm: JetStreamManager, logger: Logger): Promise<ProjectionState> {
  const info = await jsm.streams.info(STREAM_EVENTS);
  for (const name of OLD_STORE_FILES) {
    const old = join(dataDir, name);
    if (await rm(old).then(() => true, () => false)) logger.info({ file: old }, "removed the read model of an earlier version: the view is rebuilt from the stream");
  }
  let state: ProjectionState;
  try {
    state = ProjectionState.open(path, info.created);
  } catch (err) {
    if (!(err instanceof ViewFormatError)) throw err;
    logger.warn({ err }, "saved view has another layout version, rebuilding it from the stream");
    removeView(path);
    return ProjectionState.open(path, info.created);
  }
  if (state.streamCreated !== info.created || state.checkpoint() > info.state.last_seq) {
    logger.warn({ checkpoint: state.checkpoint(), lastSeq: info.state.last_seq }, "saved view belongs to another CI_EVENTS stream, rebuilding it");
    state.close();
    removeView(path);
    return ProjectionState.open(path, info.created);
  }
  return state;
}

/** How long `GET /readyz` waits for NATS before it answers 503. */
const READY_TIMEOUT_MS = 2000;

export async function startProjector(config: ProjectorConfig, logger: Logger): Promise<RunningProjector> {
  // Durables of its own, named after the projector: replicas never move each other's position.
  const durables = projectorDurables(config.name);
  const nc: NatsConnection = await connectNats(config.natsUrl, `slipway-${config.name}`, logger);
  let view: ViewHolder | null = null;
  try {
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, config.streams);
    const viewPath = join(config.dataDir, VIEW_FILE);
    await mkdir(config.dataDir, { recursive: true });
    removeReplayLeftovers(viewPath);
    view = new ViewHolder(await openView(viewPath, config.dataDir, jsm, logger));
    const holder = view;
    const moved = await positionDurable(jsm, durables.events, holder.checkpoint());
    if (moved) logger.info({ durable: durables.events.name, checkpoint: holder.checkpoint() }, "events consumer positioned after the checkpoint");
    await ensureDurable(jsm, durables.logs);
    const attemptsDir = join(config.dataDir, LOG_ATTEMPTS_DIR);
    const legacy = await moveLegacyLogFiles(config.logsDir, attemptsDir);
    if (legacy.moved + legacy.removed > 0) logger.info({ ...legacy, to: attemptsDir }, "moved the log bookkeeping of an older version out of the logs folder");

    const js = jetstream(nc);
    let stopping = false;
    let projection: EventProjection | null = null;
    /** Starts the live projection of `state`; its durable already stands after the state's checkpoint. */
    const project = (state: ProjectionState) => {
      const running = startEventProjection({
        source: durableEventSource(js, jsm, durables.events),
        state,
        logger,
        flushIntervalMs: config.flushIntervalMs,
        flushMaxMessages: config.flushMaxMessages,
      });
      void running.done.then(
        () => {
          if (!stopping && projection === running) logger.error("events consumer ended unexpectedly");
        },
        (err: unknown) => logger.error({ err }, "events consumer failed"),
      );
      projection = running;
    };
    const replay = new ReplayJob({
      js,
      jsm,
      viewPath,
      holder,
      logger,
      pause: async () => {
        const paused = projection;
        projection = null;
        await paused?.stop();
      },
      resume: async (state) => {
        await positionDurable(jsm, durables.events, state.checkpoint());
        project(state);
      },
    });
    const eventAt = async (seq: number): Promise<Event | null> => {
      const msg = await jsm.streams.getMessage(STREAM_EVENTS, { seq });
      if (msg === null) return null;
      try {
        return decodeEvent(msg.data);
      } catch {
        return null;
      }
    };

    // Listen before consuming: a taken port fails the start before anything is pulled.
    const readiness = lagProbe({ nc, jsm: await jetstreamManager(nc, { timeout: READY_TIMEOUT_MS }), durables, checkpoint: () => holder.checkpoint(), maxLag: config.readyMaxLag });
    const dashboard = { publicDir: dashboardDir(), vendor: vendorModules() };
    const control = { ingressUrl: config.ingressUrl };
    const app = buildApp({ readModel: holder, logsDir: config.logsDir, logger, apiToken: config.apiToken, readiness, live: { js, jsm }, eventAt, replay, dashboard, control });
    const access = accessMode(config);
    logger[access.level]({ host: config.host, port: config.port }, access.message);
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const boundPort = typeof address === "object" && address !== null ? address.port : config.port;
    const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
    const url = `http://${host}:${boundPort}`;

    const logConsumer = await js.consumers.get(durables.logs.stream, durables.logs.name);
    project(holder.current);
    const writer = new LogWriter(config.logsDir, attemptsDir);
    const logs = startLogProjection(logConsumer, writer, logger, durables.logs.maxDeliver);
    const logSync = startLogSync({
      writer,
      finished: (buildId) => {
        const build = holder.read((v) => v.getBuild(buildId));
        return build !== undefined && isTerminal(build.status);
      },
      logger,
    });

    logger.info({ url, name: config.name, durables: [durables.events.name, durables.logs.name], checkpoint: holder.checkpoint(), builds: holder.read((v) => v.queries.countBuilds()) }, "ready");

    return {
      url,
      view: holder,
      async stop() {
        stopping = true;
        await replay.stop();
        await projection?.stop();
        await logs.stop();
        await logSync.stop();
        await writer.close();
        await app.close();
        holder.current.close();
        await nc.drain();
      },
    };
  } catch (err) {
    view?.current.close();
    await nc.close().catch(() => undefined);
    throw err;
  }
}
