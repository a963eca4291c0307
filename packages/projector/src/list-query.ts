import { decodeCursor } from "./cursor.js";
import { BuildFilter, DeliveryFilter } from "./view-queries.js";
import { BuildStatus, DeliveryStatus } from "./read-model.js";
import type { RecordKey } from "./record-key.js";

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** A list request: filters (all must match), where to start, how many. */
export type ListQuery<F extends string> = {
  filters: Partial<Record<F, string>>;
  /** Start after this key (the previous page's `nextCursor`); null = from the newest. */
  cursor: RecordKey | null;
  limit: number;
};

/** `asOf`: a stream sequence, or a time (ms since the epoch); the view as it was then. */
export type AsOf = { seq: number } | { timeMs: number };

/** Every read route takes `asOf`. */
const AS_OF = "asOf";

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** The parameters a route takes: each filter with its allowed values (null: any non-empty text). */
type QuerySpec<F extends string> = { filters: { readonly [K in F]: readonly string[] | null }; paged: boolean };

const PAGE_PARAMS = ["limit", "cursor"] as const;

/**
 * Parses a query string against `spec`; pure, so the rules are unit-tested. An unknown
 * parameter is refused by name: a typo (`?stauts=failed`) must not quietly list everything.
 */
function parseQuery<F extends string>(query: unknown, spec: QuerySpec<F>): Parsed<ListQuery<F> & { asOf: AsOf | null }> {
  const q: Record<string, unknown> = typeof query === "object" && query !== null ? { ...query } : {};
  const names = Object.keys(spec.filters) as F[];
  const known: readonly string[] = [...names, ...(spec.paged ? PAGE_PARAMS : []), AS_OF];
  const unknown = Object.keys(q).find((name) => !known.includes(name));
  if (unknown !== undefined) return fail(`unknown query parameter ${JSON.stringify(unknown)}; this route takes ${known.join(", ")}`);

  const filters: Partial<Record<F, string>> = {};
  for (const name of names) {
    const value = single(q, name);
    if (!value.ok) return value;
    if (value.value === null) continue;
    if (value.value === "") return fail(`${name} must not be empty`);
    const allowed = spec.filters[name];
    if (allowed !== null && !allowed.includes(value.value)) return fail(`${name} must be one of ${allowed.join(", ")}`);
    filters[name] = value.value;
  }

  const limit = single(q, "limit");
  if (!limit.ok) return limit;
  let limitValue = DEFAULT_LIMIT;
  if (limit.value !== null) {
    const n = /^\d{1,7}$/.test(limit.value) ? Number(limit.value) : NaN;
    if (!(n >= 1 && n <= MAX_LIMIT)) return fail(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
    limitValue = n;
  }
  const cursor = single(q, "cursor");
  if (!cursor.ok) return cursor;
  const key = cursor.value === null ? null : decodeCursor(cursor.value);
  if (key === null && cursor.value !== null) return fail("cursor is not one this API gave out (pass a page's nextCursor as it is)");
  const asOf = parseAsOf(q);
  if (!asOf.ok) return asOf;
  return { ok: true, value: { filters, cursor: key, limit: limitValue, asOf: asOf.value } };
}

/**
 * `asOf=<stream sequence>` or `asOf=<ISO 8601 time>` (e.g. `2026-11-26T10:00:00Z`), or null
 * when absent. Only `asOf` is read; other parameters are the caller's to check.
 */
export function parseAsOf(query: unknown): Parsed<AsOf | null> {
  const q: Record<string, unknown> = typeof query === "object" && query !== null ? { ...query } : {};
  const value = single(q, AS_OF);
  if (!value.ok) return value;
  if (value.value === null) return { ok: true, value: null };
  if (/^\d{1,15}$/.test(value.value)) return { ok: true, value: { seq: Number(value.value) } };
  const timeMs = /^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.value) ? Date.parse(value.value) : NaN;
  if (!Number.isFinite(timeMs)) return fail("asOf must be a stream sequence (a whole number) or an ISO 8601 time such as 2026-01-31T12:00:00Z");
  return { ok: true, value: { timeMs } };
}

function single(query: Record<string, unknown>, name: string): Parsed<string | null> {
  const v = query[name];
  if (v === undefined) return { ok: true, value: null };
  if (typeof v !== "string") return fail(`${name} must be given once`);
  return { ok: true, value: v };
}

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

const BUILD_QUERY: QuerySpec<BuildFilter> = {
  filters: { repo: null, status: Object.values(BuildStatus), branch: null, sha: null, delivery: null, image: null },
  paged: true,
};
const DELIVERY_QUERY: QuerySpec<DeliveryFilter> = { filters: { repo: null, status: Object.values(DeliveryStatus) }, paged: true };
const REPO_QUERY: QuerySpec<"repo"> = { filters: { repo: null }, paged: false };
const RECORD_QUERY: QuerySpec<never> = { filters: {}, paged: false };

/** `GET /builds`: `repo`, `status`, `branch`, `sha`, `delivery`, `image`, `limit`, `cursor`, `asOf`. */
export function parseBuildListQuery(query: unknown): Parsed<ListQuery<BuildFilter> & { asOf: AsOf | null }> {
  return parseQuery(query, BUILD_QUERY);
}

/** `GET /deliveries`: `repo`, `status`, `limit`, `cursor`. */
export function parseDeliveryListQuery(query: unknown): Parsed<ListQuery<DeliveryFilter> & { asOf: AsOf | null }> {
  return parseQuery(query, DELIVERY_QUERY);
}

/** `GET /repos`: `repo`. */
export function parseRepoQuery(query: unknown): Parsed<{ repo: string | null; asOf: AsOf | null }> {
  const parsed = parseQuery(query, REPO_QUERY);
  return parsed.ok ? { ok: true, value: { repo: parsed.value.filters.repo ?? null, asOf: parsed.value.asOf } } : parsed;
}

/** Routes of one record (`/builds/:id`, `/deliveries/:id`): `asOf` only. */
export function parseRecordQuery(query: unknown): Parsed<{ asOf: AsOf | null }> {
  const parsed = parseQuery(query, RECORD_QUERY);
  return parsed.ok ? { ok: true, value: { asOf: parsed.value.asOf } } : parsed;
}
