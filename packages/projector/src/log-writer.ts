import { constants } from "node:fs";
import { mkdir, open, readFile, rename, writeFile, type FileHandle } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import type { Consumer } from "@nats-io/jetstream";
import { consumeEvents, EventType, type BuildLogChunk, type ConsumeLoop, type EventLogger } from "@slipway/events";
import { isNoEntry } from "./files.js";

/** Build ids as the events schema allows them; checked again here because they become file names. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `<dir>/<buildId>.log`, or null for an id that could leave `dir`. */
export function logPath(dir: string, buildId: string): string | null {
  if (!SAFE_ID.test(buildId)) return null;
  const root = resolve(dir);
  const path = join(root, `${buildId}.log`);
  return path.startsWith(root + sep) ? path : null;
}

/** The writer's bookkeeping, in the projector's state folder (never in the logs folder). */
export const LOG_ATTEMPTS_DIR = "log-attempts";

/** `<attemptsDir>/<buildId>.attempt`: which attempt owns a build's log file. */
export function attemptPath(attemptsDir: string, buildId: string): string {
  return join(attemptsDir, `${buildId}.attempt`);
}

/**
 * Writes build logs as files, `<dir>/<buildId>.log` (the seed's `logs/<task id>`), and nothing
 * else there. A chunk is written at its byte `offset` (positional write), so a redelivered chunk
 * lands where it already is: idempotent. Offsets count within one builder attempt; when a newer
 * attempt writes, the file is truncated and restarted, and late chunks of an older attempt are
 * dropped. The attempt that owns a file is kept in `attemptsDir` (`<buildId>.attempt`, in the
 * state folder) so this holds across restarts. Writes are not synced one by one (a chatty build
 * would pay an fsync per chunk): `sync` makes a file durable, once its build ended (`log-sync.ts`).
 */
export class LogWriter {
  /** Attempt owning each file, cached from the `.attempt` files. */
  private readonly owners = new Map<string, number>();
  /** Builds whose file was written since it was last synced, with the time of the last write. */
  private readonly unsynced = new Map<string, number>();
  /** Open files, least recently written first: a build's chunks come close together. */
  private readonly files = new Map<string, FileHandle>();
  private dirsMade = false;

  constructor(
    readonly dir: string,
    readonly attemptsDir: string,
    private readonly now: () => number = Date.now,
    private readonly maxOpenFiles = 64,
  ) {}

  async write(chunk: BuildLogChunk): Promise<"written" | "stale"> {
    const path = logPath(this.dir, chunk.buildId);
    if (path === null) throw new Error(`unsafe build id ${JSON.stringify(chunk.buildId)}`);
    if (!this.dirsMade) {
      await mkdir(this.dir, { recursive: true });
      await mkdir(this.attemptsDir, { recursive: true });
      this.dirsMade = true;
    }
    const owner = await this.owner(chunk.buildId);
    if (chunk.attempt < owner) return "stale";
    if (chunk.attempt > owner) {
      // Truncate first, then record the owner: a crash in between redoes both on redelivery.
      await this.closeFile(chunk.buildId);
      await writeFile(path, "");
      await writeAtomically(attemptPath(this.attemptsDir, chunk.buildId), String(chunk.attempt));
      this.owners.set(chunk.buildId, chunk.attempt);
    }
    const file = await this.file(chunk.buildId, path);
    const bytes = Buffer.from(chunk.text, "utf8");
    await file.write(bytes, 0, bytes.length, chunk.offset);
    // After the write: a sync that began before it is no reason to forget it.
    this.unsynced.set(chunk.buildId, this.now());
    return "written";
  }

  /** Closes every open file (they are not synced: `sync` does that). */
  async close(): Promise<void> {
    for (const buildId of [...this.files.keys()]) await this.closeFile(buildId);
  }

  /** The build's open file, opened (and the oldest closed) when it is not. */
  private async file(buildId: string, path: string): Promise<FileHandle> {
    let file = this.files.get(buildId);
    if (file !== undefined) {
      // Most recently written last: the Map keeps insertion order.
      this.files.delete(buildId);
    } else {
      file = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
      const oldest = this.files.keys().next();
      if (!oldest.done && this.files.size >= this.maxOpenFiles) await this.closeFile(oldest.value);
    }
    this.files.set(buildId, file);
    return file;
  }

  private async closeFile(buildId: string): Promise<void> {
    const file = this.files.get(buildId);
    if (file === undefined) return;
    this.files.delete(buildId);
    await file.close();
  }

  /** Builds written since their last sync, with the time of their last write. */
  unsyncedBuilds(): [buildId: string, lastWriteMs: number][] {
    return [...this.unsynced];
  }

  /** Flushes a build's log file to disk (fsync), if it was written since its last sync. */
  async sync(buildId: string): Promise<void> {
    const path = logPath(this.dir, buildId);
    if (path === null || !this.unsynced.delete(buildId)) return;
    try {
      const cached = this.files.get(buildId);
      if (cached !== undefined) {
        await cached.sync();
        return;
      }
      const file = await open(path, "r+");
      try {
        await file.sync();
      } finally {
        await file.close();
      }
    } catch (err) {
      if (isNoEntry(err)) return;
      // Tried again at the next sync.
      if (!this.unsynced.has(buildId)) this.unsynced.set(buildId, this.now());
      throw err;
    }
  }

  private async owner(buildId: string): Promise<number> {
    const cached = this.owners.get(buildId);
    if (cached !== undefined) return cached;
    let owner = 0;
    try {
      const n = Number.parseInt(await readFile(attemptPath(this.attemptsDir, buildId), "utf8"), 10);
      owner = Number.isInteger(n) && n > 0 ? n : 0;
    } catch (err) {
      if (!isNoEntry(err)) throw err;
    }
    // Only a cache: forgetting is safe (the side file answers again), growing forever is not.
    if (this.owners.size >= 10_000) this.owners.clear();
    this.owners.set(buildId, owner);
    return owner;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/**
 * Consumes CI_LOGS into log files, chunk by chunk in stream order, acking each once written (the
 * shared consume loop: an invalid message is logged and acked away).
 */
export function startLogProjection(consumer: Consumer, writer: LogWriter, logger: EventLogger, maxDeliver: number): ConsumeLoop {
  return consumeEvents(
    consumer,
    async (event) => {
      if (event.type !== EventType.BuildLogChunk) return;
      const result = await writer.write(event.data);
      if (result === "stale") logger.warn({ buildId: event.data.buildId, attempt: event.data.attempt }, "log chunk of an older attempt dropped");
    },
    { logger, maxDeliver },
  );
}
