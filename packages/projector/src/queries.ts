import { encodeCursor } from "./cursor.js";
import type { ListQuery } from "./list-query.js";
import type { BuildFilter, DeliveryFilter, ModelIndex } from "./model-index.js";
import type { KeyPage } from "./ordered-index.js";
import type { BuildSummary, BuildView, DeliveryView, ReadonlyModel } from "./read-model.js";

/** The indexes and the records they point at: what every list reads. */
export type QuerySource = { model: ReadonlyModel; index: ModelIndex };

/** `GET /builds`: one page, newest first; `nextCursor` null on the last page. */
export type BuildPage = { builds: BuildSummary[]; nextCursor: string | null };
export type DeliveryPage = { deliveries: DeliveryView[]; nextCursor: string | null };

export function toSummary(b: BuildView): BuildSummary {
  const { events: _events, ...summary } = b;
  return summary;
}

/** The records of a page, in its order (a key always has its record: both change in one step). */
function recordsOf<R>(page: KeyPage, records: ReadonlyMap<string, R>): R[] {
  return page.keys.flatMap((key) => records.get(key.id) ?? []);
}

const nextCursor = (page: KeyPage): string | null => (page.next === null ? null : encodeCursor(page.next));

export function listBuilds({ model, index }: QuerySource, q: ListQuery<BuildFilter>): BuildPage {
  const page = index.builds.page(q.filters, q.cursor, q.limit);
  return { builds: recordsOf(page, model.builds).map(toSummary), nextCursor: nextCursor(page) };
}

export function listDeliveries({ model, index }: QuerySource, q: ListQuery<DeliveryFilter>): DeliveryPage {
  const page = index.deliveries.page(q.filters, q.cursor, q.limit);
  return { deliveries: recordsOf(page, model.deliveries), nextCursor: nextCursor(page) };
}
