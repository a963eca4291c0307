import { entryPath } from "./tar-filter.js";

export const BLOCK = 512;

/** A tar read front to back: `fill` reads the next bytes, `skip` moves past some unread. */
export type TarSource = {
  fill(into: Buffer): Promise<number>;
  skip(bytes: number): void;
};

/** One entry of a tar: its header block (with the pax header that named it, if any) and its data's size. */
export type TarEntry = {
  /** Tar type flag: "0" file, "5" directory, "2" symlink, "g" pax global header, ... */
  type: string;
  /** Path as ignore patterns see it (no `./`, no trailing `/`); "" for a pax global header. */
  path: string;
  /** The bytes before the data, as they were: to copy the entry, write these, then the data. */
  header: Buffer;
  /** Bytes of data that follow the header (padded to a whole block in the tar: see padded). */
  size: number;
};

export const padded = (size: number) => Math.ceil(size / BLOCK) * BLOCK;

/** Exactly `n` bytes of the source; a tar that ends before them is broken. */
export async function readExactly(source: TarSource, n: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(n);
  const got = n === 0 ? 0 : await source.fill(out);
  if (got !== n) throw new Error(`the tar ended early (${got} of ${n} bytes)`);
  return out;
}

/**
 * The next entry's header, as `git archive` writes tars (ustar, with pax headers for long paths or
 * link targets, and one pax global header first); the caller reads or skips its data before the
 * next call. Null at the end-of-archive block (read: the source is then past it).
 */
export async function nextEntry(source: TarSource): Promise<TarEntry | null> {
  let extended: { header: Buffer; records: Map<string, string> } | null = null;
  for (;;) {
    const block = await readExactly(source, BLOCK);
    if (block.every((b) => b === 0)) {
      if (extended !== null) throw new Error("the tar ends after a pax header");
      return null;
    }
    checkChecksum(block);
    const type = String.fromCharCode(block[156] || 0x30);
    const headerSize = numberField(block, 124, 12);
    if (type === "x") {
      const data = await readExactly(source, padded(headerSize));
      extended = { header: Buffer.concat([block, data]), records: paxRecords(data.subarray(0, headerSize)) };
      continue;
    }
    if (type === "g") return { type, path: "", header: Buffer.concat([block, await readExactly(source, padded(headerSize))]), size: 0 };
    const prefix = text(block, 345, 155);
    const name = text(block, 0, 100);
    const path = extended?.records.get("path") ?? (prefix === "" ? name : `${prefix}/${name}`);
    const sizeRecord = extended?.records.get("size");
    return {
      type,
      path: entryPath(path),
      header: extended === null ? block : Buffer.concat([extended.header, block]),
      size: sizeRecord === undefined ? headerSize : Number(sizeRecord),
    };
  }
}

function text(block: Buffer, at: number, length: number): string {
  const field = block.subarray(at, at + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString("utf8");
}

/** An octal field (or base-256, for values octal cannot hold). */
function numberField(block: Buffer, at: number, length: number): number {
  const field = block.subarray(at, at + length);
  if (field[0]! & 0x80) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const digits = field.toString("latin1").replace(/[\0 ]+$/, "").trim();
  return digits === "" ? 0 : parseInt(digits, 8);
}

function checkChecksum(block: Buffer): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  if (sum !== numberField(block, 148, 8)) throw new Error("not a tar: a header's checksum does not match");
}

/** `<length> <key>=<value>\n` records (POSIX pax). */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.toString("latin1", at, space));
    if (space === -1 || !Number.isInteger(length) || length <= 0) throw new Error("not a tar: a broken pax record");
    const record = data.toString("utf8", space + 1, at + length - 1);
    const eq = record.indexOf("=");
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

/**
 * A TarSource that reads `source` ahead in pieces of `bufferBytes`: a tar of many small files is
 * then a few reads, not two per entry (each read of the archive file is a trip through the
 * thread pool: ~0.1 ms of CPU). Reads as large as the buffer go straight to the source, and so
 * does a skip past what is buffered: a stored large file is not read at all.
 */
export function readAhead(source: TarSource, bufferBytes = 64 * 1024): TarSource {
  const buffer = Buffer.allocUnsafe(bufferBytes);
  let start = 0;
  let end = 0;
  let ended = false;
  return {
    async fill(into) {
      let filled = 0;
      while (filled < into.length) {
        if (start < end) {
          const n = buffer.copy(into, filled, start, Math.min(end, start + into.length - filled));
          start += n;
          filled += n;
          continue;
        }
        if (ended) break;
        if (into.length - filled >= bufferBytes) {
          const n = await source.fill(into.subarray(filled));
          filled += n;
          if (filled < into.length) ended = true;
          break;
        }
        start = 0;
        end = await source.fill(buffer);
        if (end < bufferBytes) ended = true;
      }
      return filled;
    },
    skip(bytes) {
      const buffered = end - start;
      if (bytes <= buffered) {
        start += bytes;
        return;
      }
      start = end = 0;
      source.skip(bytes - buffered);
    },
  };
}
