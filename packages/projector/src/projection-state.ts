import type { Event } from "@slipway/events";
import { applyChange, evolve, type Change } from "./evolve.js";
import type { JournalEntry } from "./journal.js";
import { ModelIndex } from "./model-index.js";
import { emptyModel, type ReadModel, type ReadonlyModel } from "./read-model.js";
import { SNAPSHOT_SCHEMA, type Snapshot } from "./snapshot-store.js";

/** What the HTTP layer reads: the current model, its indexes and how far it has got. */
export type ReadModelAccessor = {
  model(): ReadonlyModel;
  /** Read only: the lists follow the model, one change at a time. */
  index(): ModelIndex;
  checkpoint(): number;
};

/**
 * The live read model with its checkpoint: the last stream sequence folded in. The two only move
 * together (`apply`), and leave together (`toSnapshot`).
 */
export class ProjectionState implements ReadModelAccessor {
  /** Records changed since the last `takeChanges`. */
  private readonly dirtyBuilds = new Set<string>();
  private readonly dirtyDeliveries = new Set<string>();

  private constructor(
    /** Never replaced: the indexes keep reading it. */
    private readonly current: ReadModel,
    private readonly indexes: ModelIndex,
    private applied: number,
    readonly streamCreated: string | null,
  ) {}

  static empty(streamCreated: string | null): ProjectionState {
    const model = emptyModel();
    return new ProjectionState(model, ModelIndex.of(model), 0, streamCreated);
  }

  static fromSnapshot(s: Snapshot): ProjectionState {
    const model = emptyModel();
    for (const b of s.builds) model.builds.set(b.id, b);
    for (const d of s.deliveries) model.deliveries.set(d.deliveryId, d);
    // Indexes are derived: rebuilt here rather than saved with the snapshot.
    return new ProjectionState(model, ModelIndex.of(model), s.checkpoint, s.streamCreated);
  }

  model(): ReadonlyModel {
    return this.current;
  }

  index(): ModelIndex {
    return this.indexes;
  }

  checkpoint(): number {
    return this.applied;
  }

  /** Folds one event in; `event` null = a message that is no valid event, only the position moves. */
  apply(event: Event | null, seq: number): Change {
    if (seq <= this.applied) throw new RangeError(`sequence ${seq} is not after the checkpoint ${this.applied}`);
    const change = event ? evolve(this.current, event, seq) : {};
    // The index reads the records the change replaces, so it goes first.
    this.indexes.update(this.current, change);
    applyChange(this.current, change);
    this.applied = seq;
    if (change.build) this.dirtyBuilds.add(change.build.id);
    if (change.delivery) this.dirtyDeliveries.add(change.delivery.deliveryId);
    return change;
  }

  /** The records changed since the last call, with the checkpoint they bring the model to. */
  takeChanges(): JournalEntry {
    const builds = [...this.dirtyBuilds].flatMap((id) => this.current.builds.get(id) ?? []);
    const deliveries = [...this.dirtyDeliveries].flatMap((id) => this.current.deliveries.get(id) ?? []);
    this.dirtyBuilds.clear();
    this.dirtyDeliveries.clear();
    return { checkpoint: this.applied, builds, deliveries };
  }

  /**
   * The state as a snapshot document. Records are never mutated in place (evolve replaces them),
   * so copying the lists is enough for the snapshot to stay consistent while later events apply.
   */
  toSnapshot(): Snapshot {
    return {
      schema: SNAPSHOT_SCHEMA,
      checkpoint: this.applied,
      streamCreated: this.streamCreated,
      builds: [...this.current.builds.values()],
      deliveries: [...this.current.deliveries.values()],
    };
  }
}
