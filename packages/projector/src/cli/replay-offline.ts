import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { STREAM_EVENTS } from "@slipway/events";
import { buildApp } from "../app.js";
import type { AsOf } from "../list-query.js";
import { BulkViewLoader } from "../bulk-loader.js";
import { ProjectionState } from "../projection-state.js";
import { replayStream } from "../replay.js";
import { VIEW_FILE } from "../view-db.js";
import { progressDisplay } from "./replay-progress.js";
import { UsageError } from "./usage-error.js";

export type OfflineReplayOptions = { dir: string; to: AsOf | null; serve: number | null; json: boolean; natsUrl: string };

/**
 * Replays CI_EVENTS (up to `to`) into a new view in `dir`, reading the stream directly: a view of
 * the past to inspect, which no projector consumes into. With `serve`, answers the read API over
 * it on loopback until interrupted.
 */
export async function replayIntoFolder(o: OfflineReplayOptions): Promise<number> {
  const dir = resolve(o.dir);
  const path = join(dir, VIEW_FILE);
  if (existsSync(path)) throw new UsageError(`${path} exists already: pick another --out folder (a replay never writes over a view)`);
  const nc = await connect({ servers: o.natsUrl, name: "slipway-replay" }).catch((err: Error) => {
    throw new UsageError(`cannot reach NATS at ${o.natsUrl} (${err.message}): is slipway running? Otherwise set SLIPWAY_NATS_URL`);
  });
  let loader: BulkViewLoader | null = null;
  let state: ProjectionState | null = null;
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(STREAM_EVENTS);
    mkdirSync(dir, { recursive: true });
    loader = new BulkViewLoader(path, info.created);
    const to = o.to !== null && "seq" in o.to ? Math.min(o.to.seq, info.state.last_seq) : info.state.last_seq;
    const untilTimeMs = o.to !== null && "timeMs" in o.to ? o.to.timeMs : undefined;
    const display = progressDisplay(process.stderr, "replay");
    const began = Date.now();
    const result = await replayStream({
      js: jetstream(nc),
      target: loader,
      to,
      first: info.state.first_seq,
      untilTimeMs,
      onProgress: (p) => {
        const secs = (Date.now() - began) / 1000;
        const rate = secs > 0 ? p.applied / secs : null;
        display.update({ applied: p.applied, total: p.total, rate, eta: rate ? (p.total - p.applied) / rate : null });
      },
    });
    display.stop();
    await loader.finish();
    state = ProjectionState.open(path, info.created);
    const builds = state.read((v) => v.queries.countBuilds());
    const outcome = { dir, file: path, checkpoint: result.checkpoint, applied: result.applied, builds, stoppedBy: result.stoppedBy, seconds: (Date.now() - began) / 1000 };
    if (o.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
    else process.stdout.write(`replayed ${result.applied} events into ${path}: ${builds} builds, up to sequence ${result.checkpoint}${result.stoppedBy === "time" ? " (the last one stamped before --to)" : ""}\n`);
    await nc.drain();
    if (o.serve !== null) await serveReadOnly(state, o.serve);
    return 0;
  } finally {
    await loader?.close();
    state?.close();
    if (!nc.isClosed()) await nc.close();
  }
}

/** The read API over a replayed view, on loopback, until SIGINT or SIGTERM. */
async function serveReadOnly(state: ProjectionState, port: number): Promise<void> {
  const app = buildApp({ readModel: state, logsDir: resolve("logs") });
  await app.listen({ host: "127.0.0.1", port });
  process.stdout.write(`serving that view read-only at http://127.0.0.1:${port} (GET /builds, /builds/:id, /deliveries, /repos); Ctrl-C ends\n`);
  await new Promise<void>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  await app.close();
}
