import { BLOCK, padded } from "./tar-walk.js";

/**
 * Tar headers exactly as `git archive --format=tar` writes them (git's archive-tar.c: ustar,
 * umask 002, owner root, every time the commit's), so a tar made from a tree listing has the same
 * bytes as git's: tree-context.ts writes a context without reading the files it takes from stored
 * blobs.
 */
const NAME = 100;
const PREFIX = 155;
const LINK = 100;
const UMASK = 0o002;
/** git's blocking: the end of an archive is padded to whole records of 20 blocks. */
export const RECORD = 20 * BLOCK;

export type GitEntryMode = "file" | "executable" | "symlink" | "directory";

/** The pax global header git writes first: the commit id as its comment. */
export function globalHeader(commit: string, mtime: number): Buffer {
  const records = paxRecord("comment", commit);
  return Buffer.concat([header("pax_global_header", "", 0o100666, "g", records.length, mtime, ""), block(records)]);
}

/**
 * An entry's header (with the pax header before it when the path or link target does not fit).
 * `path` of a directory ends with `/`; `link` is a symlink's target.
 */
export function entryHeader(path: string, mode: GitEntryMode, size: number, mtime: number, oid: string, link = ""): Buffer {
  const pathBytes = Buffer.from(path, "utf8");
  let name = path;
  let prefix = "";
  let extended: Buffer = Buffer.alloc(0);
  if (pathBytes.length > NAME) {
    const split = prefixLength(pathBytes);
    const rest = pathBytes.length - split - 1;
    if (split > 0 && rest <= NAME) {
      prefix = pathBytes.subarray(0, split).toString("utf8");
      name = pathBytes.subarray(split + 1).toString("utf8");
    } else {
      name = `${oid}.data`;
      extended = paxRecord("path", path);
    }
  }
  let linkName = link;
  if (Buffer.byteLength(link, "utf8") > LINK) {
    linkName = `see ${oid}.paxheader`;
    extended = Buffer.concat([extended, paxRecord("linkpath", link)]);
  }
  const [bits, type] = MODES[mode];
  const main = header(name, prefix, bits, type, mode === "file" || mode === "executable" ? size : 0, mtime, linkName);
  if (extended.length === 0) return main;
  return Buffer.concat([header(`${oid}.paxheader`, "", 0o100666, "x", extended.length, mtime, ""), block(extended), main]);
}

/** What git writes after the last entry, given how many bytes came before: two zero blocks, then zeros to the end of the record. */
export function trailerLength(written: number): number {
  const offset = written % RECORD;
  const tail = RECORD - offset;
  return tail < 2 * BLOCK ? tail + RECORD : tail;
}

const MODES: Record<GitEntryMode, [number, string]> = {
  file: [(0o100644 | 0o666) & ~UMASK, "0"],
  executable: [(0o100755 | 0o777) & ~UMASK, "0"],
  symlink: [0o120777, "2"],
  directory: [(0o040000 | 0o777) & ~UMASK, "5"],
};

/** git's get_path_prefix: where to split a long path into ustar's prefix and name. */
function prefixLength(path: Buffer): number {
  let i = path.length;
  if (i > 1 && path[i - 1] === 0x2f) i--;
  if (i > PREFIX) i = PREFIX;
  do i--;
  while (i > 0 && path[i] !== 0x2f);
  return i;
}

/** `<length> <key>=<value>\n`, the length counting itself (git's strbuf_append_ext_header). */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let length = 1 + Buffer.byteLength(body, "utf8");
  for (let tmp = 1; Math.floor(length / 10) >= tmp; tmp *= 10) length++;
  return Buffer.from(`${length}${body}`, "utf8");
}

function block(data: Buffer): Buffer {
  const out = Buffer.alloc(padded(data.length));
  data.copy(out);
  return out;
}

function header(name: string, prefix: string, mode: number, type: string, size: number, mtime: number, link: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, NAME, "utf8");
  octal(h, 100, mode & 0o7777, 7);
  octal(h, 108, 0, 7);
  octal(h, 116, 0, 7);
  octal(h, 124, size, 11);
  octal(h, 136, mtime, 11);
  h.write(type, 156, 1, "latin1");
  h.write(link, 157, LINK, "utf8");
  h.write("ustar\0", 257, 6, "latin1");
  h.write("00", 263, 2, "latin1");
  h.write("root", 265, 32, "latin1");
  h.write("root", 297, 32, "latin1");
  octal(h, 329, 0, 7);
  octal(h, 337, 0, 7);
  h.write(prefix, 345, PREFIX, "utf8");
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  h.fill(0, 148, 156);
  octal(h, 148, sum, 7);
  return h;
}

/** `%0<digits>o` and its NUL, as git's xsnprintf writes them. */
function octal(h: Buffer, at: number, value: number, digits: number): void {
  h.write(`${value.toString(8).padStart(digits, "0")}\0`, at, digits + 1, "latin1");
}
