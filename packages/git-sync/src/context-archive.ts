import { PassThrough, Readable } from "node:stream";
import type { ObjectStore } from "@nats-io/obj";
import { CONTEXT_CHUNK_BYTES } from "@slipway/events";
import type { ContextPlan } from "./context-plan.js";
import { SyncError, SyncErrorCode } from "./errors.js";
import { runGit } from "./run-git.js";
import { withSubmoduleCheckout, type CheckoutOptions } from "./submodule-checkout.js";
import { archiveCommit, archiveDirectory } from "./tar-sources.js";
import { filterTar } from "./tar-filter.js";

/** A build context in the object store. */
export type StoredContext = { object: string; bytes: number; dockerfiles: readonly string[] };

export type StoreContextsOptions = {
  /** Largest filtered tar stored, in bytes; 0 = no limit. */
  maxBytes: number;
  /** Set when the commit's contexts include its submodules: made from a checkout, not `git archive`. */
  submodules: null | (CheckoutOptions & { cloneUrl: string; checkoutsDir: string });
};

/**
 * Stores the planned contexts of a commit: each one a tar of the commit's tree (or of a checkout
 * with submodules) with its ignore file applied, streamed into the object store. A context
 * already there (a redelivery, another push of the same commit) is not made again.
 */
export async function storeContexts(store: ObjectStore, mirror: string, sha: string, plans: readonly ContextPlan[], options: StoreContextsOptions): Promise<StoredContext[]> {
  const sizes = new Map<string, number>();
  for (const plan of plans) {
    const existing = await store.info(plan.object);
    if (existing && !existing.deleted) sizes.set(plan.object, existing.size);
  }
  const missing = plans.filter((plan) => !sizes.has(plan.object));
  const storeAll = async (open: () => Readable) => {
    for (const plan of missing) sizes.set(plan.object, await storeOne(store, plan, open(), options.maxBytes));
  };
  if (missing.length > 0) {
    const sub = options.submodules;
    if (sub === null) await storeAll(() => archiveCommit(mirror, sha));
    else {
      const commitTime = Number((await runGit(["show", "-s", "--format=%ct", sha], { gitDir: mirror, timeoutMs: sub.timeoutMs })).trim());
      await withSubmoduleCheckout(mirror, sha, sub.cloneUrl, sub.checkoutsDir, sub, (dir) => storeAll(() => archiveDirectory(dir, commitTime)));
    }
  }
  return plans.map((plan) => ({ object: plan.object, bytes: sizes.get(plan.object) ?? 0, dockerfiles: plan.dockerfiles }));
}

/**
 * One context: the source tar, filtered, counted and written to the store, with backpressure all
 * the way (memory stays flat whatever the size). Past `maxBytes` the write stops and the partial
 * object is deleted, but the rest is still counted (and dropped), so the failure names the size.
 */
async function storeOne(store: ObjectStore, plan: ContextPlan, source: Readable, maxBytes: number): Promise<number> {
  const tar = filterTar(source, plan.keeps);
  const feed = new PassThrough();
  const put = store.put({ name: plan.object, options: { max_chunk_size: CONTEXT_CHUNK_BYTES } }, Readable.toWeb(feed) as ReadableStream<Uint8Array>);
  put.catch(() => undefined);
  const discard = async () => {
    await put.catch(() => undefined);
    await store.delete(plan.object).catch(() => undefined);
  };
  let total = 0;
  let over = false;
  try {
    for await (const chunk of tar as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (over) continue;
      if (maxBytes > 0 && total > maxBytes) {
        over = true;
        feed.destroy(new Error(`over ${maxBytes} bytes`));
        continue;
      }
      // The store stopped reading (a NATS failure): put holds the reason.
      if (feed.destroyed) break;
      if (!feed.write(chunk)) await drained(feed);
    }
    if (!feed.destroyed) feed.end();
    if (over) throw tooLarge(plan, total, maxBytes);
    return (await put).size;
  } catch (cause) {
    tar.destroy();
    feed.destroy();
    await discard();
    if (cause instanceof SyncError) throw cause;
    throw new SyncError(SyncErrorCode.ArchiveFailed, `build context ${plan.object} could not be stored: ${(cause as Error).message}`, true, { cause });
  }
}

function drained(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
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
