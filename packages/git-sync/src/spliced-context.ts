import type { ObjectStore } from "@nats-io/obj";
import { blobObjectName, blobRecord, CONTEXT_FORMAT_KEY, CONTEXT_TAR_BYTES_KEY, literalRecordHeader, SPLICED_TAR_FORMAT } from "@slipway/events";
import type { ChunkSource, ObjectWriter } from "./object-writer.js";
import { runGit } from "./run-git.js";
import { chunkSourceOf } from "./object-writer.js";
import { BLOCK, nextEntry, padded, readExactly, type TarEntry, type TarSource } from "./tar-walk.js";

/**
 * Files from this size up are stored once, as objects of their own that every later context
 * refers to (see the spliced format in @slipway/events). Below it the lookup that finds a stored
 * file (one request) costs about what writing its bytes again would.
 */
export const LARGE_FILE_BYTES = 128 * 1024;
/** Most tar bytes in one literal record: records stay well inside the writer's chunks. */
const LITERAL_BYTES = 1024 * 1024;
/** Lookups of stored large files in flight at once. */
const LOOKUPS_IN_FLIGHT = 32;

/** A commit's large files: path -> git blob id and size. */
export type LargeFiles = ReadonlyMap<string, { oid: string; size: number }>;

/**
 * The large regular files of a commit's tree (`git ls-tree -r -l`). Null when the tree has a
 * `.gitattributes`: then `git archive` may write a file other than its blob (export-subst, eol
 * conversion), so no file is taken from a stored blob. A file whose size in the tar differs from
 * its blob's is never taken from one either (see splicedRecords).
 */
export async function largeFiles(mirror: string, sha: string, timeoutMs: number): Promise<LargeFiles | null> {
  const listing = await runGit(["ls-tree", "-r", "-l", "-z", "--full-tree", sha], { gitDir: mirror, timeoutMs });
  const files = new Map<string, { oid: string; size: number }>();
  for (const line of listing.split("\0")) {
    const tab = line.indexOf("\t");
    if (tab === -1) continue;
    const path = line.slice(tab + 1);
    if (path === ".gitattributes" || path.endsWith("/.gitattributes")) return null;
    const [mode, type, oid, size] = line.slice(0, tab).split(/ +/);
    if (type !== "blob" || (mode !== "100644" && mode !== "100755")) continue;
    const bytes = Number(size);
    if (bytes >= LARGE_FILE_BYTES) files.set(path, { oid: oid!, size: bytes });
  }
  return files;
}

/**
 * Which of these blob objects are in the store and may be referred to: written less than
 * `refreshAfterMs` ago (0: any age). The bucket drops objects at its TTL; with half of it as
 * `refreshAfterMs`, a file older than that is written again, so a context's files outlive it by
 * at least half the TTL.
 */
export async function storedBlobs(store: Pick<ObjectStore, "info">, names: Iterable<string>, refreshAfterMs: number): Promise<Set<string>> {
  const queue = [...new Set(names)];
  const found = new Set<string>();
  const now = Date.now();
  const worker = async () => {
    for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
      const info = await store.info(name);
      if (info && !info.deleted && (refreshAfterMs === 0 || now - Date.parse(info.mtime) < refreshAfterMs)) found.add(name);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUPS_IN_FLIGHT, queue.length) }, worker));
  return found;
}

/** The context went over its size limit; `bytes` is its whole size, counted to the end. */
export class ContextOverLimit extends Error {
  constructor(readonly bytes: number) {
    super(`build context of ${bytes} bytes is over the limit`);
  }
}

export type SplicedOptions = {
  /** Which paths go in (the ignore file applied); every entry passes when it returns true. */
  keeps(path: string): boolean;
  large: LargeFiles;
  /** Blob objects in the store: taken as stored, and added to as this context stores more. */
  stored: Set<string>;
  /** Largest tar, in bytes; 0 = no limit. */
  maxBytes: number;
};

/**
 * Writes a context in the spliced format from `git archive`'s tar: each entry `keeps` refuses
 * is left out (an excluded directory is held back and written just before the first entry under
 * it that is kept, as tar-filter.ts does), each large file becomes a reference to its blob object
 * (written first if the store does not have it), and the rest is copied as it is. Resolves with
 * the size of the tar the context stands for.
 */
export async function storeSpliced(writer: ObjectWriter, object: string, archive: TarSource, o: SplicedOptions): Promise<number> {
  const counted = { bytes: 0 };
  const putBlob = async (name: string, source: ChunkSource, size: number) => {
    const written = await writer.put(name, source);
    if (written.size !== size) throw new Error(`${name}: wrote ${written.size} bytes, expected ${size}`);
  };
  const records = splicedRecords(archive, o, putBlob, counted);
  try {
    await writer.put(object, chunkSourceOf(records), () => ({ [CONTEXT_FORMAT_KEY]: SPLICED_TAR_FORMAT, [CONTEXT_TAR_BYTES_KEY]: String(counted.bytes) }));
  } finally {
    await records.return(undefined);
  }
  return counted.bytes;
}

/** The spliced records of a tar; `counted.bytes` is the tar's size once they end. Throws ContextOverLimit past `maxBytes`. */
async function* splicedRecords(archive: TarSource, o: SplicedOptions, putBlob: (name: string, source: ChunkSource, size: number) => Promise<void>, counted: { bytes: number }): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // Past the limit nothing more is written or stored: the rest of the tar is only counted.
  let over = false;
  const count = (bytes: number) => {
    counted.bytes += bytes;
    if (o.maxBytes > 0 && counted.bytes > o.maxBytes) over = true;
  };
  const literal = (bytes: Buffer) => {
    count(bytes.length);
    if (over) return;
    pending.push(bytes);
    pendingBytes += bytes.length;
  };
  function* flush(): Generator<Buffer> {
    if (pendingBytes === 0 || over) return;
    yield literalRecordHeader(pendingBytes);
    yield* pending;
    pending = [];
    pendingBytes = 0;
  }
  async function* copyData(size: number): AsyncGenerator<Buffer> {
    for (let left = padded(size); left > 0; ) {
      const n = Math.min(left, LITERAL_BYTES);
      if (over) {
        archive.skip(n);
        count(n);
      } else {
        literal(await readExactly(archive, n));
      }
      left -= n;
      if (pendingBytes >= LITERAL_BYTES) yield* flush();
    }
  }

  const held: TarEntry[] = [];
  for (let entry = await nextEntry(archive); entry !== null; entry = await nextEntry(archive)) {
    if (entry.type === "g") {
      literal(entry.header);
      continue;
    }
    while (held.length > 0 && !entry.path.startsWith(`${held[held.length - 1]!.path}/`)) held.pop();
    if (entry.path === "" || !o.keeps(entry.path)) {
      if (entry.path !== "" && entry.type === "5") held.push(entry);
      archive.skip(padded(entry.size));
      continue;
    }
    for (const dir of held.splice(0)) literal(dir.header);
    literal(entry.header);
    const file = entry.type === "0" ? o.large.get(entry.path) : undefined;
    if (file === undefined || file.size !== entry.size || entry.size === 0) {
      yield* copyData(entry.size);
      continue;
    }
    const name = blobObjectName(file.oid);
    // Counted first: a file that takes the context over the limit is not stored.
    count(entry.size);
    if (over || o.stored.has(name)) {
      archive.skip(entry.size);
    } else {
      await putBlob(name, exactly(archive, entry.size), entry.size);
      o.stored.add(name);
    }
    yield* flush();
    if (!over) yield blobRecord(name, entry.size);
    const padding = padded(entry.size) - entry.size;
    archive.skip(padding);
    literal(Buffer.alloc(padding));
  }
  // The end-of-archive block was read; the rest is the second one and git's padding to a whole record.
  literal(Buffer.alloc(BLOCK));
  const rest = Buffer.allocUnsafe(64 * 1024);
  for (let n = await archive.fill(rest); n > 0; n = await archive.fill(rest)) literal(Buffer.from(rest.subarray(0, n)));
  if (over) throw new ContextOverLimit(counted.bytes);
  yield* flush();
}

/** The next `size` bytes of the archive, as a source of its own. */
function exactly(archive: TarSource, size: number): ChunkSource {
  let left = size;
  return async (into) => {
    if (left === 0) return 0;
    const n = await archive.fill(left < into.length ? into.subarray(0, left) : into);
    if (n === 0) throw new Error("the tar ended early");
    left -= n;
    return n;
  };
}
