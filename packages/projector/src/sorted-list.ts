/** Orders two items: negative when `a` comes first, 0 for the same item. */
export type Compare<T> = (a: T, b: T) => number;

/** Items per chunk once a list is split or bulk-loaded; a chunk splits at twice this. */
const CHUNK = 512;

/** A place in the chunks: chunk `c`, index `i` in it. */
type Position = { c: number; i: number };

/**
 * A sorted set of distinct items, kept as a list of sorted chunks (the layout of Python's
 * `sortedcontainers`): finding a place is two binary searches, and an insert or delete moves at
 * most one chunk's items, not the whole list as a plain sorted array would. That keeps an
 * out-of-order insert, or a build leaving the middle of a long status list, cheap at any size,
 * without the balancing code of a tree.
 *
 * The chunks hold the items back to front: the first item is the last one stored. New builds are
 * the first items of their lists (newest first), so the common insert is an append to the last
 * chunk rather than a shift of a whole chunk.
 *
 * Not safe to change while an iterator from `from` is being consumed: read a page, then apply.
 */
export class SortedList<T> {
  /** Non-empty, each sorted backwards, in that order: the list read from its end. */
  private chunks: T[][] = [];
  private count = 0;

  constructor(private readonly compare: Compare<T>) {}

  /**
   * A list of `items`, which must already be sorted and distinct (a bulk load, O(n)). Takes
   * ownership of `items`: a short one becomes the single chunk (reversed in place), without a
   * copy, which matters when a load builds one list per delivery.
   */
  static fromSorted<T>(items: T[], compare: Compare<T>): SortedList<T> {
    const list = new SortedList(compare);
    items.reverse();
    if (items.length <= 2 * CHUNK) {
      if (items.length > 0) list.chunks.push(items);
    } else {
      for (let i = 0; i < items.length; i += CHUNK) list.chunks.push(items.slice(i, i + CHUNK));
    }
    list.count = items.length;
    return list;
  }

  get size(): number {
    return this.count;
  }

  first(): T | undefined {
    const chunk = this.chunks[this.chunks.length - 1];
    return chunk?.[chunk.length - 1];
  }

  /** Adds `item`; false when an equal item is already there. */
  insert(item: T): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      this.count = 1;
      return true;
    }
    // Past the last chunk's end: it joins the last chunk.
    const c = Math.min(this.chunkFor(item, false), this.chunks.length - 1);
    const chunk = this.chunks[c] as T[];
    const i = this.indexIn(chunk, item, false);
    if (i < chunk.length && this.compare(item, chunk[i] as T) === 0) return false;
    if (i === chunk.length) chunk.push(item);
    else chunk.splice(i, 0, item);
    this.count++;
    if (chunk.length > 2 * CHUNK) this.splitAt(c);
    return true;
  }

  /** Removes the item equal to `item`; false when there is none. */
  delete(item: T): boolean {
    const c = this.chunkFor(item, false);
    const chunk = this.chunks[c];
    if (chunk === undefined) return false;
    const i = this.indexIn(chunk, item, false);
    if (i >= chunk.length || this.compare(item, chunk[i] as T) !== 0) return false;
    if (i === chunk.length - 1) chunk.pop();
    else chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) {
      this.chunks.splice(c, 1);
    } else if (chunk.length < CHUNK / 4 && c + 1 < this.chunks.length) {
      // Folded into the next chunk, so many deletes do not leave a long list of tiny chunks.
      const next = this.chunks[c + 1] as T[];
      this.chunks.splice(c, 2, chunk.concat(next));
      if (chunk.length + next.length > 2 * CHUNK) this.splitAt(c);
    }
    return true;
  }

  /** The first item at or after `item` (`strict`: after it), or undefined at the end. O(log n). */
  ceiling(item: T, strict = false): T | undefined {
    // Stored backwards: the stored item just before the first one after it (`strict`: at or after it).
    const c = this.chunkFor(item, !strict);
    const chunk = this.chunks[c];
    const i = chunk === undefined ? 0 : this.indexIn(chunk, item, !strict);
    if (chunk !== undefined && i > 0) return chunk[i - 1];
    const before = this.chunks[c - 1];
    return before?.[before.length - 1];
  }

  /** The items in order, starting after `after` (exclusive), or from the first when null. */
  *from(after: T | null): IterableIterator<T> {
    let at = after === null ? this.previous({ c: this.chunks.length, i: 0 }) : this.previous(this.bound(after, false));
    if (at === null) return;
    for (let { c, i } = at; c >= 0; c--, i = (this.chunks[c]?.length ?? 0) - 1) {
      const chunk = this.chunks[c] as T[];
      for (; i >= 0; i--) yield chunk[i] as T;
    }
  }

  /** The first stored place at or after (`strict`: after) `item`; past the end when none. */
  private bound(item: T, strict: boolean): Position {
    const c = this.chunkFor(item, strict);
    const chunk = this.chunks[c];
    return chunk === undefined ? { c, i: 0 } : { c, i: this.indexIn(chunk, item, strict) };
  }

  /** The stored place just before `at`, or null at the start. */
  private previous(at: Position): Position | null {
    if (at.i > 0) return { c: at.c, i: at.i - 1 };
    const chunk = this.chunks[at.c - 1];
    return chunk === undefined ? null : { c: at.c - 1, i: chunk.length - 1 };
  }

  /** Index of the first chunk whose last item is at or after (`strict`: after) `item`. */
  private chunkFor(item: T, strict: boolean): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.chunks[mid] as T[];
      if (this.stored(chunk[chunk.length - 1] as T, item, strict)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index in `chunk` of the first item at or after (`strict`: after) `item`; its length if none. */
  private indexIn(chunk: readonly T[], item: T, strict: boolean): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.stored(chunk[mid] as T, item, strict)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether `a` is stored before `item` (`strict`: or is it): whether it comes after it in the list. */
  private stored(a: T, item: T, strict: boolean): boolean {
    const order = this.compare(item, a);
    return order < 0 || (strict && order === 0);
  }

  private splitAt(c: number): void {
    const chunk = this.chunks[c] as T[];
    this.chunks.splice(c + 1, 0, chunk.splice(chunk.length >> 1));
  }
}
