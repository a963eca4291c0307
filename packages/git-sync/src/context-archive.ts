import { Readable } from "node:stream";
import type { ObjectStore } from "@nats-io/obj";
import type { ContextPlan } from "./context-plan.js";
import { SyncError, SyncErrorCode } from "./errors.js";
import { runGit } from "./run-git.js";
import { withSubmoduleCheckout, type CheckoutOptions } from "./submodule-checkout.js";
import { archiveDirectory } from "./tar-sources.js";
import { archivePieces, openArchiveFile, type ArchiveAhead } from "./archive-file.js";
import { filterTar } from "./tar-filter.js";
import { chunkSourceOf, type ChunkSource, type ObjectWriter } from "./object-writer.js";

/** Read size of an archive through the filter, and of what is counted past the size limit. */
const ARCHIVE_READ_BYTES = 1024 * 1024;

/** A build context in the object store. */
export type StoredContext = { object: string; bytes: number; dockerfiles: readonly string[] };

export type StoreContextsOptions = {
  /** Largest filtered tar stored, in bytes; 0 = no limit. */
  maxBytes: number;
  /** Where `git archive` writes the tar the context is read from (deleted after). */
  tmpDir: string;
  /** Set when the commit's contexts include its submodules: made from a checkout, not `git archive`. */
  submodules: null | (CheckoutOptions & { cloneUrl: string; checkoutsDir: string });
  /** `git archive` of this commit already started: used by the first context that needs one. */
  ahead: ArchiveAhead | null;
};

/**
 * Stores the planned contexts of a commit: each one a tar of the commit's tree (or of a checkout
 * with submodules) with its ignore file applied, streamed into the object store. A context
 * already there (a redelivery, another push of the same commit) is not made again.
 */
export async function storeContexts(store: ObjectStore, writer: ObjectWriter, mirror: string, sha: string, plans: readonly ContextPlan[], options: StoreContextsOptions): Promise<StoredContext[]> {
  const sizes = new Map<string, number>();
  for (const plan of plans) {
    const existing = await store.info(plan.object);
    if (existing && !existing.deleted) sizes.set(plan.object, existing.size);
  }
  const missing = plans.filter((plan) => !sizes.has(plan.object));
  // `whole`: the tar as `git archive` writes it, when a context needs no filter (no ignore file).
  const storeAll = async (tar: () => AsyncIterable<Buffer>, whole: (() => Promise<ContextSource>) | null) => {
    for (const plan of missing) {
      const source = whole && plan.ignoreFile === null ? await whole() : piecesSource(filterTar(Readable.from(tar()), plan.keeps));
      sizes.set(plan.object, await storeOne(writer, plan, source, options.maxBytes));
    }
  };
  if (missing.length > 0) {
    const sub = options.submodules;
    // `git archive`'s tar needs no filter without an ignore file: copying it through the filter
    // cost a 100 MB context ~0.2-0.4 s of CPU. Then the object writer's chunks are filled from
    // the archive file directly. (GNU tar's listing starts with `./`, which the filter leaves
    // out, so a checkout's tar always goes through it.)
    if (sub === null) {
      const started = () => (options.ahead?.sha === sha ? options.ahead.take() : null);
      const whole = () => started() ?? openArchiveFile(mirror, sha, options.tmpDir);
      await storeAll(() => archivePieces(started() ?? openArchiveFile(mirror, sha, options.tmpDir), ARCHIVE_READ_BYTES), whole);
    } else {
      const commitTime = Number((await runGit(["show", "-s", "--format=%ct", sha], { gitDir: mirror, timeoutMs: sub.timeoutMs })).trim());
      await withSubmoduleCheckout(mirror, sha, sub.cloneUrl, sub.checkoutsDir, sub, (dir) => storeAll(() => archiveDirectory(dir, commitTime), null));
    }
  }
  return plans.map((plan) => ({ object: plan.object, bytes: sizes.get(plan.object) ?? 0, dockerfiles: plan.dockerfiles }));
}

/** A context's tar, read into the writer's chunks; closing it ends its git or tar and deletes its file. */
type ContextSource = { fill: ChunkSource; close(): Promise<void> };

function piecesSource(pieces: AsyncIterable<Buffer>): ContextSource {
  const iterator = pieces[Symbol.asyncIterator]();
  return { fill: chunkSourceOf(iterator), close: async () => void (await iterator.return?.()) };
}

/** The filtered tar went over the size limit: the write is given up. */
class OverLimit extends Error {}

/**
 * One context: its tar counted and written to the store, with backpressure all
 * the way (memory stays flat whatever the size). Past `maxBytes` the write stops and leaves
 * nothing behind, but the rest is still counted (and dropped), so the failure names the size.
 */
async function storeOne(writer: ObjectWriter, plan: ContextPlan, source: ContextSource, maxBytes: number): Promise<number> {
  let total = 0;
  const counted: ChunkSource = async (into) => {
    const n = await source.fill(into);
    total += n;
    if (maxBytes > 0 && total > maxBytes) throw new OverLimit();
    return n;
  };
  try {
    return (await writer.put(plan.object, counted)).size;
  } catch (cause) {
    if (cause instanceof OverLimit) {
      const scratch = Buffer.allocUnsafe(ARCHIVE_READ_BYTES);
      for (let n = await source.fill(scratch); n > 0; n = await source.fill(scratch)) total += n;
      throw tooLarge(plan, total, maxBytes);
    }
    throw new SyncError(SyncErrorCode.ArchiveFailed, `build context ${plan.object} could not be stored: ${(cause as Error).message}`, true, { cause });
  } finally {
    // Ends the source: kills its git or tar, deletes its file.
    await source.close();
  }
}

function tooLarge(plan: ContextPlan, total: number, maxBytes: number): SyncError {
  const of = plan.dockerfiles.length > 0 ? ` of ${plan.dockerfiles.join(", ")}` : "";
  const ignore = plan.ignoreFile === null ? "no .dockerignore" : `after ${plan.ignoreFile}`;
  return new SyncError(
    SyncErrorCode.ContextTooLarge,
    `build context${of} is ${total} bytes (${human(total)}, ${ignore}), over the limit of ${maxBytes} bytes (${human(maxBytes)}) set by SLIPWAY_CONTEXT_MAX_BYTES: leave large files out with .dockerignore, or raise the limit (0 = none)`,
    false,
  );
}

/** 1536 -> "1.5 KiB": sizes a person reads. */
function human(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
