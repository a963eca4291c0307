import { decodeCursor } from "./cursor.js";
import { BuildFilter, DeliveryFilter } from "./model-index.js";
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

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** The parameters a route takes: each filter with its allowed values (null: any non-empty text). */
type QuerySpec<F extends string> = { filters: { readonly [K in F]: readonly string[] | null }; paged: boolean };

const PAGE_PARAMS = ["limit", "cursor"] as const;

/**
 * Parses a query string against `spec`; pure, so the rules are unit-tested. An unknown
 * parameter is refused by name: a typo (`?stauts=failed`) must not quietly list everything.
 */
function parseQuery<F extends string>(query: unknown, spec: QuerySpec<F>): Parsed<ListQuery<F>> {
  const q: Record<string, unknown> = typeof query === "object" && query !== null ? { ...query } : {};
  const names = Object.keys(spec.filters) as F[];
  const known: readonly string[] = spec.paged ? [...names, ...PAGE_PARAMS] : names;
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
  return { ok: true, value: { filters, cursor: key, limit: limitValue } };
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

/** `GET /builds`: `repo`, `status`, `branch`, `sha`, `delivery`, `image`, `limit`, `cursor`. */
export function parseBuildListQuery(query: unknown): Parsed<ListQuery<BuildFilter>> {
  return parseQuery(query, BUILD_QUERY);
}

/** `GET /deliveries`: `repo`, `status`, `limit`, `cursor`. */
export function parseDeliveryListQuery(query: unknown): Parsed<ListQuery<DeliveryFilter>> {
  return parseQuery(query, DELIVERY_QUERY);
}

/** `GET /repos`: `repo`. */
export function parseRepoQuery(query: unknown): Parsed<{ repo: string | null }> {
  const parsed = parseQuery(query, REPO_QUERY);
  return parsed.ok ? { ok: true, value: { repo: parsed.value.filters.repo ?? null } } : parsed;
}
