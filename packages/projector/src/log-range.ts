/**
 * `Range: bytes=...` on `GET /builds/:id/log`, so that a page shows the tail of a 50 MB log and
 * fetches earlier parts on demand. One range only (`bytes=-N`, `bytes=A-`, `bytes=A-B`); a header
 * this does not understand, or several ranges, is ignored and the whole log is sent, as RFC 9110
 * allows.
 */
export type ByteRange =
  | { kind: "whole" }
  /** Inclusive byte positions, `end < size`. */
  | { kind: "part"; start: number; end: number }
  /** A valid range that starts past the end of the file: 416. */
  | { kind: "unsatisfiable" };

const SINGLE = /^bytes=[ \t]*(\d*)-(\d*)[ \t]*$/i;

export function parseByteRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined || size === 0) return { kind: "whole" };
  const m = SINGLE.exec(header);
  if (!m) return { kind: "whole" };
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    // Suffix: the last N bytes, or the whole file when it is shorter.
    const n = Number(last);
    if (n === 0) return { kind: "unsatisfiable" };
    return { kind: "part", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? Infinity : Number(last);
  if (end < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "part", start, end: Math.min(end, size - 1) };
}
