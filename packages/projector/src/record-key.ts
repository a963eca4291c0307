/**
 * Where a record stands in a newest-first list: its time (ms since the epoch) and its id. Ids
 * are unique, so the order is total: two builds queued in the same millisecond still have a
 * fixed place, which is what lets a cursor name a position.
 */
export type RecordKey = { readonly t: number; readonly id: string };

export function recordKey(time: string, id: string): RecordKey {
  const t = Date.parse(time);
  return { t: Number.isFinite(t) ? t : 0, id };
}
