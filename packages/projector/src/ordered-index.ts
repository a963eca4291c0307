import { intersect } from "./intersect.js";
import { newestFirst, recordKey, type RecordKey } from "./record-key.js";
import { SortedList, type Compare } from "./sorted-list.js";

/** How an `OrderedIndex` reads its records. */
export type IndexSpec<R, F extends string> = {
  id(record: R): string;
  /** The time that orders the list, newest first (ties broken by id). */
  time(record: R): string;
  /** The fields a list can be narrowed by: a record's value, or null when it has none (not indexed). */
  fields: { readonly [K in F]: (record: R) => string | null };
  /** Fields whose values are also kept in order (`valuesOf`), e.g. to list repos without a sort. */
  sortedValues?: readonly F[];
};

/** One page: keys newest first, and the key to continue after, null when nothing follows. */
export type KeyPage = { keys: RecordKey[]; next: RecordKey | null };

/** One field's lists: each value's records, newest first, and (`sortedValues`) the values in order. */
type FieldLists = { byValue: Map<string, SortedList<RecordKey>>; values: SortedList<string> | null };

const byText: Compare<string> = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Records in newest-first order, overall and per value of each field (`repo` -> its builds, in
 * the same order), kept up to date one record at a time (`put`). A read seeks to its cursor and
 * walks one list, or joins several (`intersect`): it costs the page, not the number of records.
 *
 * Derived state, never saved. After a snapshot load only the overall order is built (one sort);
 * a field's lists are built on the first read that needs them, by one walk of that order (so
 * they come out sorted), and kept up to date from then on. A restart does not pay for fields
 * nobody asks for, e.g. one list per delivery and per commit.
 */
export class OrderedIndex<R, F extends string> {
  private readonly fields = new Map<F, FieldLists>();
  private readonly fieldNames: readonly F[];

  private constructor(
    private readonly spec: IndexSpec<R, F>,
    /** The live records by id (the model's map): what a field's lists are built from. */
    private readonly records: ReadonlyMap<string, R>,
    private readonly all: SortedList<RecordKey>,
  ) {
    this.fieldNames = Object.keys(spec.fields) as F[];
  }

  /** The index of `records` (the model's map, read again later): one sort of their keys. */
  static of<R, F extends string>(spec: IndexSpec<R, F>, records: ReadonlyMap<string, R>): OrderedIndex<R, F> {
    const keys = Array.from(records.values(), (record) => recordKey(spec.time(record), spec.id(record)));
    // Records mostly arrive in time order, so this is close to one reversal (TimSort finds the run).
    keys.sort(newestFirst);
    return new OrderedIndex(spec, records, SortedList.fromSorted(keys, newestFirst));
  }

  get size(): number {
    return this.all.size;
  }

  /**
   * Follows a record from `previous` (undefined: new) to `next`, which has the same id. Call it
   * before the records map is updated: an unbuilt field is later built from that map.
   */
  put(previous: R | undefined, next: R): void {
    const id = this.spec.id(next);
    const time = this.spec.time(next);
    if (previous === undefined) {
      const key = recordKey(time, id);
      this.all.insert(key);
      for (const [field, lists] of this.fields) {
        const value = this.spec.fields[field](next);
        if (value !== null) add(lists, value, key);
      }
      return;
    }
    const before = this.spec.time(previous);
    const moved = before !== time;
    // Found only when something moves: most events change no indexed value (a status at most).
    let old: RecordKey | undefined;
    let key: RecordKey | undefined;
    for (const [field, lists] of this.fields) {
      const valueOf = this.spec.fields[field];
      const was = valueOf(previous);
      const is = valueOf(next);
      if (!moved && was === is) continue;
      old ??= this.stored(before, id);
      key ??= moved ? recordKey(time, id) : old;
      if (was !== null) remove(lists, was, old);
      if (is !== null) add(lists, is, key);
    }
    if (moved) {
      this.all.delete(old ?? this.stored(before, id));
      this.all.insert(key ?? recordKey(time, id));
    }
  }

  /**
   * Up to `limit` keys of records matching every filter (AND), newest first, after the key
   * `after` (a cursor; null: from the newest). `next` is set only when another match follows.
   */
  page(filters: Partial<Record<F, string>>, after: RecordKey | null, limit: number): KeyPage {
    const keys: RecordKey[] = [];
    let next: RecordKey | null = null;
    for (const key of this.matching(filters, after)) {
      if (keys.length === limit) {
        next = keys[keys.length - 1] ?? null;
        break;
      }
      keys.push(key);
    }
    return { keys, next };
  }

  /** The newest record with `field` = `value`. */
  newest(field: F, value: string): RecordKey | undefined {
    return this.field(field).byValue.get(value)?.first();
  }

  /** The values of a `sortedValues` field that some record has, in order, after `after`. */
  valuesOf(field: F, after: string | null): IterableIterator<string> {
    const values = this.field(field).values;
    if (values === null) throw new Error(`${field} is not a sortedValues field`);
    return values.from(after);
  }

  /** Builds every field's lists now (e.g. before serving, rather than on the first reads). */
  warm(): void {
    for (const field of this.fieldNames) this.field(field);
  }

  private matching(filters: Partial<Record<F, string>>, after: RecordKey | null): IterableIterator<RecordKey> {
    const lists: SortedList<RecordKey>[] = [];
    for (const field of this.fieldNames) {
      const value = filters[field];
      if (value === undefined) continue;
      const list = this.field(field).byValue.get(value);
      if (list === undefined) return [][Symbol.iterator]();
      lists.push(list);
    }
    return lists.length === 0 ? this.all.from(after) : intersect(lists, newestFirst, after);
  }

  /** The key object the lists hold for a record (one instance shared by all of them), or an equal one. */
  private stored(time: string, id: string): RecordKey {
    const probe = recordKey(time, id);
    const found = this.all.ceiling(probe);
    return found !== undefined && newestFirst(found, probe) === 0 ? found : probe;
  }

  /** A field's lists, built on first use from the overall order, already sorted. */
  private field(field: F): FieldLists {
    const built = this.fields.get(field);
    if (built !== undefined) return built;
    const valueOf = this.spec.fields[field];
    const groups = new Map<string, RecordKey[]>();
    for (const key of this.all.from(null)) {
      const record = this.records.get(key.id);
      const value = record === undefined ? null : valueOf(record);
      if (value === null) continue;
      const group = groups.get(value);
      if (group) group.push(key);
      else groups.set(value, [key]);
    }
    const byValue = new Map<string, SortedList<RecordKey>>();
    for (const [value, group] of groups) byValue.set(value, SortedList.fromSorted(group, newestFirst));
    const sorted = this.spec.sortedValues?.includes(field) ? SortedList.fromSorted([...groups.keys()].sort(byText), byText) : null;
    const lists = { byValue, values: sorted };
    this.fields.set(field, lists);
    return lists;
  }
}

function add(lists: FieldLists, value: string, key: RecordKey): void {
  let list = lists.byValue.get(value);
  if (list === undefined) {
    list = new SortedList(newestFirst);
    lists.byValue.set(value, list);
    lists.values?.insert(value);
  }
  list.insert(key);
}

function remove(lists: FieldLists, value: string, key: RecordKey): void {
  const list = lists.byValue.get(value);
  if (list === undefined) return;
  list.delete(key);
  if (list.size > 0) return;
  lists.byValue.delete(value);
  lists.values?.delete(value);
}
