import type { LogWriter } from "./log-writer.js";

export type LogSyncOptions = {
  writer: Pick<LogWriter, "unsyncedBuilds" | "sync">;
  /** Whether the read model has the build's verdict (ImagePushed, BuildFailed or BuildCancelled). */
  finished: (buildId: string) => boolean;
  logger: { error(obj: object, msg?: string): void };
  /** How often written logs are looked at. */
  intervalMs?: number;
  /** A log not written for this long is synced even without a verdict (a build that hangs). */
  idleMs?: number;
  now?: () => number;
};

export type LogSync = {
  /** Stops looking, then syncs every log written since its last sync, finished or not. */
  stop(): Promise<void>;
};

/**
 * Flushes a build's log to disk when the build ends. The verdict (CI_EVENTS) and the log chunks
 * (CI_LOGS) come through two durables, in no fixed order between them: the builder stores every
 * chunk before it publishes the verdict, but the log consumer may be behind the events one. So
 * every `intervalMs` each log written since its last sync is synced if its build has a verdict
 * in the view (or its log has been idle `idleMs`): at most one sweep after the verdict, and again
 * after any chunk written later. One fsync at the end instead of one per chunk keeps a chatty
 * build's log off the disk's critical path; the stream keeps the chunks until then.
 */
export function startLogSync(options: LogSyncOptions): LogSync {
  const { writer, finished, logger } = options;
  const intervalMs = options.intervalMs ?? 200;
  const idleMs = options.idleMs ?? 60_000;
  const now = options.now ?? Date.now;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  /** The sweep in progress (or the last one): sweeps never overlap, and `stop` waits for it. */
  let running: Promise<void> = Promise.resolve();

  const syncAll = async (which: (buildId: string, lastWriteMs: number) => boolean): Promise<void> => {
    for (const [buildId, lastWriteMs] of writer.unsyncedBuilds()) {
      if (!which(buildId, lastWriteMs)) continue;
      try {
        await writer.sync(buildId);
      } catch (err) {
        logger.error({ err, buildId }, "syncing a build log to disk failed, will retry");
      }
    }
  };
  const schedule = () => {
    timer = setTimeout(() => {
      running = sweep();
    }, intervalMs);
  };
  const sweep = async (): Promise<void> => {
    await syncAll((buildId, lastWriteMs) => finished(buildId) || now() - lastWriteMs >= idleMs);
    if (!stopped) schedule();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await syncAll(() => true);
    },
  };
}
