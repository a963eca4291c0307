import type { Change } from "./evolve.js";
import { OrderedIndex, type IndexSpec } from "./ordered-index.js";
import type { BuildView, DeliveryView, ReadonlyModel } from "./read-model.js";

/** What `GET /builds` filters on; the names are the query parameters. */
export const BuildFilter = { repo: "repo", status: "status", branch: "branch", sha: "sha", delivery: "delivery", image: "image" } as const;
export type BuildFilter = (typeof BuildFilter)[keyof typeof BuildFilter];

/** What `GET /deliveries` filters on. */
export const DeliveryFilter = { repo: "repo", status: "status" } as const;
export type DeliveryFilter = (typeof DeliveryFilter)[keyof typeof DeliveryFilter];

/** Builds grouped by repo and Dockerfile, for `GET /repos` (the newest of each group). */
export const REPO_DOCKERFILE = "repoDockerfile";
type BuildField = BuildFilter | typeof REPO_DOCKERFILE;

/** Joins a repo key and a Dockerfile so that one repo's groups sort together, before `<repo>-x`'s. */
export const repoDockerfileValue = (repo: string, dockerfile: string): string => `${repo}\u0000${dockerfile}`;

// Empty strings are "not known yet" (a build seen before its BuildQueued): not indexed, and an
// empty filter value is refused, so they are never looked up.
const known = (value: string | null): string | null => (value === "" ? null : value);

const buildSpec: IndexSpec<BuildView, BuildField> = {
  id: (b) => b.id,
  time: (b) => b.queuedAt,
  fields: {
    repo: (b) => known(b.repo),
    status: (b) => b.status,
    branch: (b) => known(b.branch),
    sha: (b) => known(b.sha),
    delivery: (b) => known(b.deliveryId),
    image: (b) => known(b.image),
    repoDockerfile: (b) => (b.repo === "" || b.dockerfile === "" ? null : repoDockerfileValue(b.repo, b.dockerfile)),
  },
  sortedValues: [REPO_DOCKERFILE],
};

const deliverySpec: IndexSpec<DeliveryView, DeliveryFilter> = {
  id: (d) => d.deliveryId,
  time: (d) => d.receivedAt,
  fields: { repo: (d) => known(d.repo), status: (d) => d.status },
};

export type BuildIndex = OrderedIndex<BuildView, BuildField>;
export type DeliveryIndex = OrderedIndex<DeliveryView, DeliveryFilter>;

/**
 * The read model's indexes: builds by `queuedAt`, deliveries by `receivedAt`, newest first, and
 * by each filter. Kept in step with the model by `update` (one change at a time, as evolve makes
 * them); built with `of` when the model is loaded (a field's lists on first use), never saved.
 */
export class ModelIndex {
  private constructor(
    readonly builds: BuildIndex,
    readonly deliveries: DeliveryIndex,
  ) {}

  /** The indexes of `model`, which they keep reading: it must be the model `update` follows. */
  static of(model: ReadonlyModel): ModelIndex {
    return new ModelIndex(OrderedIndex.of(buildSpec, model.builds), OrderedIndex.of(deliverySpec, model.deliveries));
  }

  /** Follows `change`; call it before `applyChange` writes it: the records it replaces are read from `model`. */
  update(model: ReadonlyModel, change: Change): void {
    if (change.build) this.builds.put(model.builds.get(change.build.id), change.build);
    if (change.delivery) this.deliveries.put(model.deliveries.get(change.delivery.deliveryId), change.delivery);
  }

  /** Builds every lazily built list now. */
  warm(): void {
    this.builds.warm();
    this.deliveries.warm();
  }
}
