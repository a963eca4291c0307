import type { Compare, SortedList } from "./sorted-list.js";

/**
 * The items every list holds, in order, after `after` (null: from the start): a leapfrog join.
 * The shortest list proposes a candidate and each other list jumps (`ceiling`, O(log n)) to its
 * first item at or after it; a list that lands further on moves the candidate there. So
 * `status=failed&repo=x` costs a few binary searches per match, not a walk over either list.
 */
export function* intersect<T>(lists: readonly SortedList<T>[], compare: Compare<T>, after: T | null): IterableIterator<T> {
  const [first, ...rest] = [...lists].sort((a, b) => a.size - b.size);
  if (first === undefined) return;
  if (rest.length === 0) {
    yield* first.from(after);
    return;
  }
  let bound = after;
  let strict = true;
  for (;;) {
    const candidate = bound === null ? first.first() : first.ceiling(bound, strict);
    if (candidate === undefined) return;
    let agreed = true;
    for (const list of rest) {
      const found = list.ceiling(candidate);
      if (found === undefined) return;
      if (compare(found, candidate) !== 0) {
        bound = found;
        strict = false;
        agreed = false;
        break;
      }
    }
    if (agreed) {
      yield candidate;
      bound = candidate;
      strict = true;
    }
  }
}
