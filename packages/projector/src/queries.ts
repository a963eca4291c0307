import { BuildStatus, DeliveryStatus, type BuildSummary, type BuildView, type DeliveryView, type ReadonlyModel } from "./read-model.js";

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** Filters of a list request; null = not filtered. */
export type ListQuery<S extends string> = { repo: string | null; status: S | null; limit: number };

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function single(query: Record<string, unknown>, name: string): Parsed<string | null> {
  const v = query[name];
  if (v === undefined) return { ok: true, value: null };
  if (typeof v !== "string") return { ok: false, message: `${name} must be given once` };
  return { ok: true, value: v };
}

/** Parses `?repo=&status=&limit=` against the allowed statuses; pure, so the rules are unit-tested. */
function parseListQuery<S extends string>(query: unknown, statuses: readonly S[]): Parsed<ListQuery<S>> {
  const q: Record<string, unknown> = typeof query === "object" && query !== null ? { ...query } : {};
  const repo = single(q, "repo");
  if (!repo.ok) return repo;
  if (repo.value === "") return { ok: false, message: "repo must not be empty" };
  const status = single(q, "status");
  if (!status.ok) return status;
  const statusValue = status.value === null ? null : statuses.find((s) => s === status.value);
  if (statusValue === undefined) return { ok: false, message: `status must be one of ${statuses.join(", ")}` };
  const limit = single(q, "limit");
  if (!limit.ok) return limit;
  let limitValue = DEFAULT_LIMIT;
  if (limit.value !== null) {
    const n = /^\d{1,7}$/.test(limit.value) ? Number(limit.value) : NaN;
    if (!(n >= 1 && n <= MAX_LIMIT)) return { ok: false, message: `limit must be a whole number from 1 to ${MAX_LIMIT}` };
    limitValue = n;
  }
  return { ok: true, value: { repo: repo.value, status: statusValue, limit: limitValue } };
}

export function parseBuildListQuery(query: unknown): Parsed<ListQuery<BuildStatus>> {
  return parseListQuery(query, Object.values(BuildStatus));
}

export function parseDeliveryListQuery(query: unknown): Parsed<ListQuery<DeliveryStatus>> {
  return parseListQuery(query, Object.values(DeliveryStatus));
}

/** Newest first: later time first, then the larger id, so the order is total and stable. */
function newestFirst<T>(items: Iterable<T>, time: (t: T) => string, id: (t: T) => string): T[] {
  const keyed = [...items].map((item) => ({ item, t: Date.parse(time(item)), id: id(item) }));
  keyed.sort((a, b) => b.t - a.t || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return keyed.map((k) => k.item);
}

export function toSummary(b: BuildView): BuildSummary {
  const { events: _events, ...summary } = b;
  return summary;
}

export function listBuilds(model: ReadonlyModel, q: ListQuery<BuildStatus>): BuildSummary[] {
  const matching = [...model.builds.values()].filter((b) => (q.repo === null || b.repo === q.repo) && (q.status === null || b.status === q.status));
  return newestFirst(matching, (b) => b.queuedAt, (b) => b.id)
    .slice(0, q.limit)
    .map(toSummary);
}

export function listDeliveries(model: ReadonlyModel, q: ListQuery<DeliveryStatus>): DeliveryView[] {
  const matching = [...model.deliveries.values()].filter((d) => (q.repo === null || d.repo === q.repo) && (q.status === null || d.status === q.status));
  return newestFirst(matching, (d) => d.receivedAt, (d) => d.deliveryId).slice(0, q.limit);
}
