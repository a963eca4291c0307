import { blobObjectName, blobRecord, CONTEXT_FORMAT_KEY, CONTEXT_TAR_BYTES_KEY, literalRecordHeader, SPLICED_TAR_FORMAT } from "@slipway/events";
import type { ChunkSource, ObjectWriter } from "./object-writer.js";
import { chunkSourceOf } from "./object-writer.js";
import type { KnownBlobs } from "./stored-blobs.js";
import { entryFilter } from "./tar-filter.js";
import { BLOCK, nextEntry, padded, readExactly, type TarEntry, type TarSource } from "./tar-walk.js";

/**
 * Files from this size up are stored once, as objects of their own that every later context
 * refers to (see the spliced format in @slipway/events). Below it the lookup that finds a stored
 * file (one request) costs about what writing its bytes again would.
 */
export const LARGE_FILE_BYTES = 128 * 1024;
/** Most tar bytes in one literal record: records stay well inside the writer's chunks. */
const LITERAL_BYTES = 1024 * 1024;

/** A commit's large files: path -> git blob id and size. */
export type LargeFiles = ReadonlyMap<string, { oid: string; size: number }>;

/** Tar bytes gathered into literal records of at most LITERAL_BYTES. */
export class LiteralRecords {
  private pending: Buffer[] = [];
  bytes = 0;
  add(bytes: Buffer): void {
    this.pending.push(bytes);
    this.bytes += bytes.length;
  }
  get full(): boolean {
    return this.bytes >= LITERAL_BYTES;
  }
  *flush(): Generator<Buffer> {
    if (this.bytes === 0) return;
    yield literalRecordHeader(this.bytes);
    yield* this.pending;
    this.pending = [];
    this.bytes = 0;
  }
}

/** Writes a context's records as one spliced object; `bytes()` is the tar's size, asked once they ended. */
export async function putSpliced(writer: ObjectWriter, object: string, records: AsyncGenerator<Buffer>, bytes: () => number): Promise<void> {
  try {
    await writer.put(object, chunkSourceOf(records), () => ({ [CONTEXT_FORMAT_KEY]: SPLICED_TAR_FORMAT, [CONTEXT_TAR_BYTES_KEY]: String(bytes()) }));
  } finally {
    await records.return(undefined);
  }
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
  /** Told of each blob object this context stores. */
  known?: KnownBlobs;
  /** Largest tar, in bytes; 0 = no limit. */
  maxBytes: number;
};

/**
 * Writes a context in the spliced format from `git archive`'s tar: each entry `keeps` refuses
 * is left out (entryFilter: an excluded directory is held back and written just before the first
 * entry under it that is kept), each large file becomes a reference to its blob object
 * (written first if the store does not have it), and the rest is copied as it is. Resolves with
 * the size of the tar the context stands for.
 */
export async function storeSpliced(writer: ObjectWriter, object: string, archive: TarSource, o: SplicedOptions): Promise<number> {
  const counted = { bytes: 0 };
  const putBlob = async (name: string, source: ChunkSource, size: number) => {
    const written = await writer.put(name, source);
    if (written.size !== size) throw new Error(`${name}: wrote ${written.size} bytes, expected ${size}`);
  };
  await putSpliced(writer, object, splicedRecords(archive, o, putBlob, counted), () => counted.bytes);
  return counted.bytes;
}

/** The spliced records of a tar; `counted.bytes` is the tar's size once they end. Throws ContextOverLimit past `maxBytes`. */
async function* splicedRecords(archive: TarSource, o: SplicedOptions, putBlob: (name: string, source: ChunkSource, size: number) => Promise<void>, counted: { bytes: number }): AsyncGenerator<Buffer> {
  const pending = new LiteralRecords();
  // Past the limit nothing more is written or stored: the rest of the tar is only counted.
  let over = false;
  const count = (bytes: number) => {
    counted.bytes += bytes;
    if (o.maxBytes > 0 && counted.bytes > o.maxBytes) over = true;
  };
  const literal = (bytes: Buffer) => {
    count(bytes.length);
    if (!over) pending.add(bytes);
  };
  function* flush(): Generator<Buffer> {
    if (!over) yield* pending.flush();
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
      if (pending.full) yield* flush();
    }
  }

  const filter = entryFilter<TarEntry>(o.keeps, (e) => e.type === "5");
  for (let entry = await nextEntry(archive); entry !== null; entry = await nextEntry(archive)) {
    if (entry.type === "g") {
      literal(entry.header);
      continue;
    }
    const written = filter(entry);
    if (written === null) {
      archive.skip(padded(entry.size));
      continue;
    }
    for (const e of written) literal(e.header);
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
      o.known?.note(name, Date.now());
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
