import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import type { ObjectStore } from "@nats-io/obj";
import { SyncError, SyncErrorCode } from "./errors.js";

/** Object name of a commit's build context: one per repo and sha, shared by all its Dockerfiles. */
export function contextObjectName(repoKey: string, sha: string): string {
  return `${repoKey}@${sha}`;
}

/**
 * Streams `git archive` of the commit into the object store, unless it is already there (a
 * redelivery, or a second push of the same commit). Returns the stored size.
 */
export async function storeContext(store: ObjectStore, mirror: string, sha: string, name: string): Promise<number> {
  const existing = await store.info(name);
  if (existing && !existing.deleted) return existing.size;

  const child = spawn("git", ["archive", "--format=tar", sha], { cwd: mirror, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code ?? 1));
  });
  try {
    const info = await store.put({ name }, Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>);
    const code = await exited;
    if (code !== 0) throw new Error(stderr.trim() || `git archive exited with ${code}`);
    return info.size;
  } catch (cause) {
    child.kill();
    await store.delete(name).catch(() => undefined);
    throw new SyncError(SyncErrorCode.ArchiveFailed, `git archive ${sha} failed: ${(cause as Error).message}`, true, { cause });
  }
}
