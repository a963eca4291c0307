import { MAX_LIMIT } from "./list-query.js";
import type { ViewAt } from "./projection-state.js";
import { DeliveryStatus, type BuildSummary, type DeliveryView } from "./read-model.js";

/** Why a delivery has no builds (yet). */
export const NothingRanReason = {
  /** Ingress built nothing on purpose (branch filter, `[skip ci]`, a deleted branch): see `ignored`. */
  ignored: "ignored",
  /** git-sync could not fetch or read the commit: see `error`. */
  syncFailed: "sync_failed",
  /** The commit has no `Dockerfile*` in its root. */
  noDockerfile: "no_dockerfile",
  /** Not there yet: git-sync has not reported, or its builds are not queued yet. */
  waiting: "waiting",
} as const;
export type NothingRanReason = (typeof NothingRanReason)[keyof typeof NothingRanReason];

/** `GET /deliveries/:id`: the delivery, its builds, and why nothing ran when none did. */
export type DeliveryDetail = DeliveryView & {
  /** Newest first, at most `MAX_LIMIT`; `/builds?delivery=<id>&cursor=<buildsNextCursor>` has the rest (retries). */
  builds: BuildSummary[];
  buildsNextCursor: string | null;
  /** Null once a build exists. */
  nothingRan: { reason: NothingRanReason; message: string } | null;
};

export function deliveryDetail(view: ViewAt, deliveryId: string): DeliveryDetail | null {
  const delivery = view.getDelivery(deliveryId);
  if (delivery === undefined) return null;
  const page = view.queries.listBuilds({ filters: { delivery: deliveryId }, cursor: null, limit: MAX_LIMIT });
  return { ...delivery, builds: page.builds, buildsNextCursor: page.nextCursor, nothingRan: page.builds.length > 0 ? null : whyNothingRan(delivery) };
}

/** The delivery's own account of why it has no builds, in one sentence. */
export function whyNothingRan(d: DeliveryView): { reason: NothingRanReason; message: string } {
  switch (d.status) {
    case DeliveryStatus.ignored:
      return { reason: NothingRanReason.ignored, message: d.ignored?.message ?? "ingress ignored this push" };
    case DeliveryStatus.syncFailed:
      return { reason: NothingRanReason.syncFailed, message: d.error ? `${d.error.code}: ${d.error.message}` : "the sync failed" };
    case DeliveryStatus.synced:
      return d.dockerfiles.length === 0
        ? { reason: NothingRanReason.noDockerfile, message: `no Dockerfile in the root of ${d.repo} at ${d.sha ?? "the pushed commit"}` }
        : { reason: NothingRanReason.waiting, message: `synced; builds of ${d.dockerfiles.join(", ")} not queued yet` };
    case DeliveryStatus.received:
      return { reason: NothingRanReason.waiting, message: "received; git-sync has not reported on it yet" };
    default: {
      const _exhaustive: never = d.status;
      return _exhaustive;
    }
  }
}
