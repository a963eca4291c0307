import { Readable } from "node:stream";
import type { ObjectInfo, ObjectResult, ObjectStore } from "@nats-io/obj";

/**
 * How a build context (a tar) is laid out in the contexts object store. Two formats:
 *
 * - plain: the object's bytes are the tar (contexts made from a checkout, and every context
 *   stored before the spliced format existed);
 * - spliced (object metadata `slipway-context: spliced-tar/1`): the tar with the data of its large
 *   files cut out. Each large file is an object of its own, named by its git blob id
 *   (`blobs/<oid>`), stored once and referred to by every later context that has it: a push to a
 *   repo with 100 MB of large files stores the rest of the tar, not the 100 MB again.
 *
 * A spliced object's bytes are records, in tar order:
 * - `L` u32be n, then n bytes: tar bytes as they are;
 * - `B` u16be n, then n bytes (a UTF-8 object name), then u48be size: the whole object `name`,
 *   which holds exactly `size` bytes.
 *
 * Readers that know only the plain format must not be given spliced contexts: upgrade builders
 * before git-sync.
 */
export const CONTEXT_FORMAT_KEY = "slipway-context";
export const SPLICED_TAR_FORMAT = "spliced-tar/1";
/** Size of the whole tar a spliced object stands for (its own `size` is that of its records). */
export const CONTEXT_TAR_BYTES_KEY = "slipway-tar-bytes";

const LITERAL = 0x4c; // "L"
const BLOB = 0x42; // "B"
const MAX_LITERAL = 0xffffffff;

/** The object that holds a large file's data, by its git blob id: one per content, shared by every context. */
export function blobObjectName(oid: string): string {
  return `blobs/${oid}`;
}

/** The header of an `L` record; its `length` bytes follow it. */
export function literalRecordHeader(length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_LITERAL) throw new RangeError(`literal record of ${length} bytes`);
  const header = Buffer.allocUnsafe(5);
  header[0] = LITERAL;
  header.writeUInt32BE(length, 1);
  return header;
}

/** A whole `B` record. */
export function blobRecord(name: string, size: number): Buffer {
  const bytes = Buffer.from(name, "utf8");
  if (bytes.length > 0xffff) throw new RangeError(`object name of ${bytes.length} bytes`);
  const record = Buffer.allocUnsafe(3 + bytes.length + 6);
  record[0] = BLOB;
  record.writeUInt16BE(bytes.length, 1);
  bytes.copy(record, 3);
  record.writeUIntBE(size, 3 + bytes.length, 6);
  return record;
}

/** Size of the tar a stored context stands for, whatever its format. */
export function contextTarBytes(info: Pick<ObjectInfo, "size" | "metadata">): number {
  const recorded = info.metadata?.[CONTEXT_TAR_BYTES_KEY];
  return recorded === undefined ? info.size : Number(recorded);
}

/** A large file a spliced context refers to is not in the store (expired, or removed by hand). */
export class ContextPartMissingError extends Error {
  override name = "ContextPartMissingError";
  constructor(readonly part: string) {
    super(`a part of the build context, ${JSON.stringify(part)}, is not in the object store (expired or removed)`);
  }
}

/**
 * An opened context as the tar it stands for, streamed (a spliced one's large files read one
 * after another as their records come). Each object read checks its own digest. Destroying the
 * stream stops every read.
 */
export function contextTar(store: Pick<ObjectStore, "get">, opened: ObjectResult): Readable {
  const format = opened.info.metadata?.[CONTEXT_FORMAT_KEY];
  if (format === undefined) return Readable.fromWeb(opened.data as Parameters<typeof Readable.fromWeb>[0]);
  if (format !== SPLICED_TAR_FORMAT) {
    void opened.data.cancel().catch(() => undefined);
    const failed = new Readable({ read() {} });
    failed.destroy(new Error(`build context ${JSON.stringify(opened.info.name)} is in a format this reader does not know (${format}): upgrade it`));
    return failed;
  }
  return Readable.from(splicedTar(store, opened.data), { objectMode: false });
}

async function* splicedTar(store: Pick<ObjectStore, "get">, data: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const body = byteReader(data);
  try {
    for (;;) {
      const kind = await body.read(1, true);
      if (kind === null) return;
      if (kind[0] === LITERAL) {
        yield* body.pass((await body.read(4))!.readUInt32BE(0));
      } else if (kind[0] === BLOB) {
        const name = (await body.read((await body.read(2))!.readUInt16BE(0)))!.toString("utf8");
        const size = (await body.read(6))!.readUIntBE(0, 6);
        yield* wholeObject(store, name, size);
      } else {
        throw new Error(`spliced context: unknown record kind ${kind[0]}`);
      }
    }
  } finally {
    await body.cancel();
  }
}

async function* wholeObject(store: Pick<ObjectStore, "get">, name: string, size: number): AsyncGenerator<Uint8Array> {
  const part = await store.get(name);
  if (part === null) throw new ContextPartMissingError(name);
  const reader = part.data.getReader();
  let read = 0;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      read += next.value.length;
      yield next.value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  if (read !== size) throw new Error(`spliced context: ${JSON.stringify(name)} holds ${read} bytes, the context expects ${size}`);
}

/** Reads a web stream as exact byte counts (copied: they are small) or passes spans through (not copied). */
function byteReader(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  let chunk: Uint8Array = new Uint8Array(0);
  let at = 0;
  const more = async (): Promise<boolean> => {
    for (;;) {
      const next = await reader.read();
      if (next.done) return false;
      if (next.value.length === 0) continue;
      chunk = next.value;
      at = 0;
      return true;
    }
  };
  return {
    /** Exactly `n` bytes; null when the stream ended before any of them and `endOk`. */
    async read(n: number, endOk = false): Promise<Buffer | null> {
      const out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        if (at === chunk.length && !(await more())) {
          if (filled === 0 && endOk) return null;
          throw new Error("spliced context: the object ends inside a record");
        }
        const take = Math.min(n - filled, chunk.length - at);
        out.set(chunk.subarray(at, at + take), filled);
        filled += take;
        at += take;
      }
      return out;
    },
    /** The next `n` bytes, as spans of the stream's own chunks. */
    async *pass(n: number): AsyncGenerator<Uint8Array> {
      let left = n;
      while (left > 0) {
        if (at === chunk.length && !(await more())) throw new Error("spliced context: the object ends inside a record");
        const take = Math.min(left, chunk.length - at);
        yield chunk.subarray(at, at + take);
        at += take;
        left -= take;
      }
    },
    cancel: () => reader.cancel().catch(() => undefined),
  };
}
