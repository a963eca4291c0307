import { constants } from "node:fs";
import { mkdir, open, readFile, rename, writeFile } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import type { Consumer } from "@nats-io/jetstream";
import { consumeEvents, EventType, type BuildLogChunk, type ConsumeLoop, type EventLogger } from "@slipway/events";
import { isNoEntry } from "./snapshot-store.js";

/** Build ids as the events schema allows them; checked again here because they become file names. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `<dir>/<buildId>.log`, or null for an id that could leave `dir`. */
export function logPath(dir: string, buildId: string): string | null {
  if (!SAFE_ID.test(buildId)) return null;
  const root = resolve(dir);
  const path = join(root, `${buildId}.log`);
  return path.startsWith(root + sep) ? path : null;
}

/**
 * Writes build logs as files, `<dir>/<buildId>.log` (the seed's `logs/<task id>`). A chunk is
 * written at its byte `offset` (positional write), so a redelivered chunk lands where it already
 * is: idempotent. Offsets count within one builder attempt; when a newer attempt writes, the file
 * is truncated and restarted, and late chunks of an older attempt are dropped. The attempt that
 * owns a file is kept next to it (`<buildId>.log.attempt`) so this holds across restarts.
 */
export class LogWriter {
  /** Attempt owning each file, cached from the `.attempt` side files. */
  private readonly owners = new Map<string, number>();

  constructor(readonly dir: string) {}

  async write(chunk: BuildLogChunk): Promise<"written" | "stale"> {
    const path = logPath(this.dir, chunk.buildId);
    if (path === null) throw new Error(`unsafe build id ${JSON.stringify(chunk.buildId)}`);
    await mkdir(this.dir, { recursive: true });
    const owner = await this.owner(chunk.buildId, path);
    if (chunk.attempt < owner) return "stale";
    if (chunk.attempt > owner) {
      // Truncate first, then record the owner: a crash in between redoes both on redelivery.
      await writeFile(path, "");
      await writeAtomically(`${path}.attempt`, String(chunk.attempt));
      this.owners.set(chunk.buildId, chunk.attempt);
    }
    const file = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    try {
      const bytes = Buffer.from(chunk.text, "utf8");
      await file.write(bytes, 0, bytes.length, chunk.offset);
    } finally {
      await file.close();
    }
    return "written";
  }

  private async owner(buildId: string, path: string): Promise<number> {
    const cached = this.owners.get(buildId);
    if (cached !== undefined) return cached;
    let owner = 0;
    try {
      const n = Number.parseInt(await readFile(`${path}.attempt`, "utf8"), 10);
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
 * Consumes CI_LOGS into log files, one chunk at a time, acking each once written (the shared
 * consume loop: an invalid message is logged and acked away).
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
