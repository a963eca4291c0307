import { renameSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { STREAM_EVENTS } from "@slipway/events";
import type { Logger } from "@slipway/service-kit";
import { BulkViewLoader } from "./bulk-loader.js";
import { ProjectionState } from "./projection-state.js";
import { replayStream, type ReplayProgress } from "./replay.js";
import type { ViewHolder } from "./view-holder.js";

export const ReplayState = {
  idle: "idle",
  /** Folding the stream into a new view, beside the live one. */
  replaying: "replaying",
  /** The live projection paused; the new view takes in what came meanwhile. */
  catchingUp: "catching-up",
  done: "done",
  failed: "failed",
} as const;
export type ReplayState = (typeof ReplayState)[keyof typeof ReplayState];

/** `GET /replay`: where the last replay is (rate in messages/s, eta in seconds while it runs). */
export type ReplayStatus = {
  state: ReplayState;
  startedAt: string | null;
  finishedAt: string | null;
  applied: number;
  total: number;
  seq: number;
  target: number;
  rate: number | null;
  eta: number | null;
  error: string | null;
};

export type ReplayJobOptions = {
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** The live view's file: the new view is built next to it and renamed over it. */
  viewPath: string;
  holder: ViewHolder;
  /** Stops the live projection with everything applied saved and acked (the swap follows). */
  pause(): Promise<void>;
  /** Starts the live projection on `state`, its durable positioned after its checkpoint. */
  resume(state: ProjectionState): Promise<void>;
  logger: Logger;
};

const IDLE: ReplayStatus = { state: ReplayState.idle, startedAt: null, finishedAt: null, applied: 0, total: 0, seq: 0, target: 0, rate: null, eta: null, error: null };

const VIEW_FILES = ["", "-wal", "-shm"];

/** Removes a view file with its WAL companions. */
export function removeView(path: string): void {
  for (const suffix of VIEW_FILES) rmSync(path + suffix, { force: true });
}

/** A replay's files beside the live view: the view being rebuilt, and the one it replaced. */
const rebuilding = (viewPath: string) => `${viewPath}.replay`;
const replaced = (viewPath: string) => `${viewPath}.retired`;

/** Removes what a replay interrupted by a crash left beside the live view. */
export function removeReplayLeftovers(viewPath: string): void {
  removeView(rebuilding(viewPath));
  removeView(replaced(viewPath));
}

/**
 * Rebuilds the view from sequence 1 while the API keeps answering from the live one, then swaps
 * it in. The new view is folded to the stream's last sequence at the start; then the live
 * projection pauses (saved and acked), the new view takes in what came meanwhile, and in one
 * synchronous step the live view is closed, the new file renamed over it and opened: no request
 * runs in between. The live projection resumes on it, after its checkpoint. A failure before the
 * swap leaves the live view as it was (and resumes it if it was paused).
 */
export class ReplayJob {
  private current: ReplayStatus = IDLE;
  private running: Promise<void> | null = null;
  private readonly abort = new AbortController();

  constructor(private readonly o: ReplayJobOptions) {}

  status(): ReplayStatus {
    return { ...this.current };
  }

  /** Starts a replay; null when one is running already. */
  start(): ReplayStatus | null {
    if (this.running !== null) return null;
    const started = Date.now();
    this.current = { ...IDLE, state: ReplayState.replaying, startedAt: new Date(started).toISOString() };
    this.running = this.run(started).finally(() => {
      this.running = null;
    });
    return this.status();
  }

  /** Aborts a running replay (the live view stays) and waits for it to end. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(started: number): Promise<void> {
    const { js, jsm, holder, logger } = this.o;
    const path = rebuilding(this.o.viewPath);
    const retired = replaced(this.o.viewPath);
    removeReplayLeftovers(this.o.viewPath);
    const fresh = new BulkViewLoader(path, holder.current.streamCreated);
    let paused = false;
    const onProgress = (p: ReplayProgress) => {
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? p.applied / seconds : null;
      const eta = rate ? Math.max(0, (p.total - p.applied) / rate) : null;
      this.current = { ...this.current, applied: p.applied, total: p.total, seq: p.seq, target: p.target, rate, eta };
    };
    // Where the time went, for the done line: a slow replay says which step was slow.
    const phases: Record<string, number> = {};
    let mark = Date.now();
    const phase = (name: string) => {
      const now = Date.now();
      phases[name] = now - mark;
      mark = now;
    };
    try {
      const info = await jsm.streams.info(STREAM_EVENTS);
      logger.info({ from: info.state.first_seq, to: info.state.last_seq }, "replay started: rebuilding the view from the stream");
      const first = await replayStream({ js, target: fresh, to: info.state.last_seq, first: info.state.first_seq, onProgress, signal: this.abort.signal });
      if (first.stoppedBy === "abort") throw new Error("replay aborted");
      phase("foldMs");

      this.current = { ...this.current, state: ReplayState.catchingUp };
      await this.o.pause();
      paused = true;
      phase("pauseMs");
      const now = await jsm.streams.info(STREAM_EVENTS);
      const applied = this.current.applied;
      await replayStream({ js, target: fresh, to: now.state.last_seq, onProgress: (p) => onProgress({ ...p, applied: applied + p.applied, total: applied + p.total }), signal: this.abort.signal });
      phase("catchUpMs");
      await fresh.finish();
      phase("indexMs");

      // One synchronous step: no request can read between the close and the open. The live file
      // is moved aside rather than replaced: freeing a large file's blocks takes a while (0.25 s
      // for 175 MB here), so it is removed after the swap.
      const previous = holder.current;
      previous.close();
      renameSync(this.o.viewPath, retired);
      renameSync(path, this.o.viewPath);
      rmSync(`${this.o.viewPath}-wal`, { force: true });
      rmSync(`${this.o.viewPath}-shm`, { force: true });
      const swapped = ProjectionState.open(this.o.viewPath, previous.streamCreated);
      holder.swap(swapped);
      paused = false;
      phase("swapMs");
      await this.o.resume(swapped);
      phase("resumeMs");
      this.current = { ...this.current, state: ReplayState.done, finishedAt: new Date().toISOString(), eta: 0 };
      logger.info({ applied: this.current.applied, checkpoint: swapped.checkpoint(), seconds: (Date.now() - started) / 1000, ...phases }, "replay done: the rebuilt view is live");
      // In the background: the replay is done, and another may start meanwhile.
      void Promise.all(VIEW_FILES.map((suffix) => rm(retired + suffix, { force: true }))).catch((err: unknown) => logger.warn({ err, file: retired }, "removing the replaced view failed"));
    } catch (err) {
      await fresh.close();
      removeView(path);
      this.current = { ...this.current, state: ReplayState.failed, finishedAt: new Date().toISOString(), eta: null, error: (err as Error).message };
      logger.error({ err }, "replay failed: the live view stays as it was");
      if (paused) await this.o.resume(holder.current).catch((e: unknown) => logger.error({ err: e }, "resuming the live projection failed"));
    }
  }
}
