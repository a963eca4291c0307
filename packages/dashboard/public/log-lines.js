/**
 * Lines of a build log, from the live stream (text) and from byte ranges of the log file. Pure (no
 * DOM): `packages/dashboard/test` runs it in Node.
 */

const NL = 10;

/** Whole lines out of streamed text; the unfinished last line waits in `partial`. */
export class LineSplitter {
  constructor() {
    this.partial = "";
  }

  /** The lines `text` completes, without their line breaks. */
  push(text) {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    return parts;
  }
}

/**
 * Cuts a byte range of the log file into whole lines. The file is read backwards, one range at a
 * time: the bytes before the first line break of a range belong to a line that starts earlier, so
 * they are kept (`carry`) and joined to the end of the range read next. Splitting at byte 10 never
 * cuts a UTF-8 character in two.
 *
 * @param {Uint8Array} bytes what was read, from offset `start`
 * @param {number} start its offset in the file
 * @param {Uint8Array} carry the start of the line the later range cut (empty for the tail)
 * @param {{ tail: boolean, maxLines: number }} o `tail`: this range runs to the end of the file
 *   (its last line may lack a line break); at most `maxLines` lines come back, the last ones
 * @returns {{ lines: string[], next: number, carry: Uint8Array, more: boolean }} read the range
 *   ending before `next` (and pass `carry`) for the lines before these; `more` false at the start
 */
export function splitRange(bytes, start, carry, o) {
  const all = concat(bytes, carry);
  if (all.length === 0) return { lines: [], next: start, carry: EMPTY, more: start > 0 };
  const segments = [];
  let from = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i] === NL) {
      segments.push([from, i]);
      from = i + 1;
    }
  }
  segments.push([from, all.length]);
  // A range read before the tail ends exactly where a shown line began; the tail may end with a
  // line break, after which there is no line.
  if (o.tail && segments.length > 1 && from === all.length) segments.pop();
  let whole = segments;
  let next = start;
  let nextCarry = EMPTY;
  if (start > 0) {
    const [s, e] = segments[0];
    nextCarry = all.slice(s, e);
    whole = segments.slice(1);
  }
  if (whole.length > o.maxLines) {
    whole = whole.slice(whole.length - o.maxLines);
    // Stop at the line break before the first kept line: nothing is carried.
    next = start + whole[0][0] - 1;
    nextCarry = EMPTY;
  }
  const decoder = new TextDecoder("utf-8");
  const lines = whole.map(([s, e]) => decoder.decode(all.subarray(s, e)));
  return { lines, next, carry: nextCarry, more: next > 0 || nextCarry.length > 0 };
}

const EMPTY = new Uint8Array(0);

function concat(a, b) {
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
