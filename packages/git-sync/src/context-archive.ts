import type { ObjectStore } from "@nats-io/obj";
import { blobObjectName, contextTarBytes } from "@slipway/events";
import type { ContextPlan } from "./context-plan.js";
import { SyncError, SyncErrorCode } from "./errors.js";
import { runGit } from "./run-git.js";
import { withSubmoduleCheckout, type CheckoutOptions } from "./submodule-checkout.js";
import { archiveDirectory } from "./tar-sources.js";
import { openArchiveFile } from "./archive-file.js";
import { filterTar } from "./tar-filter.js";
import { chunkSourceOf, type ChunkSource, type ObjectWriter } from "./object-writer.js";
import { readAhead } from "./tar-walk.js";
import { ContextOverLimit, storeSpliced } from "./spliced-context.js";
import { storedBlobs, type KnownBlobs } from "./stored-blobs.js";
import { fromTreeAlone, largeFilesOf, listTree, storeFromTree, type TreeListing } from "./tree-context.js";

/** Read size of what is counted past the size limit. */
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
  /** The commit's tree listing, if listed already (else listed here). */
  listing?: TreeListing;
  /** Deadline of each git command. */
  gitTimeoutMs: number;
  /** A stored large file older than this is written again (see storedBlobs); 0 = never. */
  blobRefreshMs: number;
  /** Large files this process stored or found lately (not looked up again). */
  knownBlobs?: KnownBlobs;
};

/**
 * Stores the planned contexts of a commit: each one a tar of the commit's tree (or of a checkout
 * with submodules) with its ignore file applied, streamed into the object store; the commit's
 * tree in the spliced format, its large files stored once for all commits. A context already
 * there (a redelivery, another push of the same commit) is not made again.
 */
export async function storeContexts(store: ObjectStore, writer: ObjectWriter, mirror: string, sha: string, plans: readonly ContextPlan[], options: StoreContextsOptions): Promise<StoredContext[]> {
  const sizes = new Map<string, number>();
  for (const plan of plans) {
    const existing = await store.info(plan.object);
    if (existing && !existing.deleted) sizes.set(plan.object, contextTarBytes(existing));
  }
  const missing = plans.filter((plan) => !sizes.has(plan.object));
  if (missing.length === 0) return described(plans, sizes);
  const sub = options.submodules;
  if (sub === null) {
    await storeFromGit(store, writer, mirror, sha, missing, options, sizes);
  } else {
    // A checkout's tar (GNU tar: its listing starts with `./`) goes through the filter and is stored plain.
    const commitTime = Number((await runGit(["show", "-s", "--format=%ct", sha], { gitDir: mirror, timeoutMs: sub.timeoutMs })).trim());
    await withSubmoduleCheckout(mirror, sha, sub.cloneUrl, sub.checkoutsDir, sub, async (dir) => {
      for (const plan of missing) sizes.set(plan.object, await storeOne(writer, plan, piecesSource(filterTar(archiveDirectory(dir, commitTime), plan.keeps)), options.maxBytes));
    });
  }
  return described(plans, sizes);
}

/**
 * Each context from the tree listing when every large file it holds is stored already (a later
 * push: nothing large is read, tree-context.ts); else from `git archive`'s tar, walked entry by
 * entry, its large files stored on the way (spliced-context.ts).
 */
async function storeFromGit(store: ObjectStore, writer: ObjectWriter, mirror: string, sha: string, plans: readonly ContextPlan[], options: StoreContextsOptions, sizes: Map<string, number>): Promise<void> {
  const listing = options.listing ?? (await listTree(mirror, sha, options.gitTimeoutMs));
  const large = largeFilesOf(listing);
  const stored = await storedBlobs(store, [...(large ?? new Map()).values()].map((f) => blobObjectName(f.oid)), options.blobRefreshMs, options.knownBlobs);
  const fromTree = new Set(plans.filter((plan) => fromTreeAlone(listing, large, stored, plan.keeps)));
  for (const plan of plans) {
    const make = fromTree.has(plan)
      ? () => storeFromTree(writer, plan.object, { mirror, sha, listing, large: large!, keeps: plan.keeps, maxBytes: options.maxBytes, timeoutMs: options.gitTimeoutMs })
      : async () => {
          const archive = await openArchiveFile(mirror, sha, options.tmpDir);
          try {
            return await storeSpliced(writer, plan.object, readAhead(archive), { keeps: plan.keeps, large: large ?? new Map(), stored, known: options.knownBlobs, maxBytes: options.maxBytes });
          } finally {
            await archive.close();
          }
        };
    sizes.set(plan.object, await storeSplicedOne(plan, options.maxBytes, make));
  }
}

function described(plans: readonly ContextPlan[], sizes: ReadonlyMap<string, number>): StoredContext[] {
  return plans.map((plan) => ({ object: plan.object, bytes: sizes.get(plan.object) ?? 0, dockerfiles: plan.dockerfiles }));
}

/** One context in the spliced format, its failures as SyncErrors. */
async function storeSplicedOne(plan: ContextPlan, maxBytes: number, store: () => Promise<number>): Promise<number> {
  try {
    return await store();
  } catch (cause) {
    if (cause instanceof ContextOverLimit) throw tooLarge(plan, cause.bytes, maxBytes);
    throw new SyncError(SyncErrorCode.ArchiveFailed, `build context ${plan.object} could not be stored: ${(cause as Error).message}`, true, { cause });
  }
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
