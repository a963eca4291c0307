import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { JournalWriter, readJournal } from "./journal.js";
import type { ProjectionState } from "./projection-state.js";
import type { BuildView, DeliveryView } from "./read-model.js";
import { SnapshotStore, type Snapshot } from "./snapshot-store.js";

export const JOURNAL_FILE = "read-model.journal";

export type ModelStoreOptions = {
  /** The journal is folded into a new snapshot once it is larger than the snapshot and this. */
  compactMinBytes: number;
};

export function defaultModelStoreOptions(): ModelStoreOptions {
  return { compactMinBytes: 1024 * 1024 };
}

/**
 * Durable home of the read model and its checkpoint: a snapshot (`read-model.json`, replaced
 * atomically) plus a journal of the batches since (`read-model.journal`, one synced line per
 * batch, each with its checkpoint). Saving a batch writes only the records it changed, so the
 * cost of a save does not grow with the history; the journal is folded into a new snapshot
 * when it outgrows it (total write cost stays linear). Journal lines at or below the snapshot's
 * checkpoint are leftovers of a fold interrupted by a crash, and are skipped.
 */
export class ModelStore {
  private readonly snapshots: SnapshotStore;
  private readonly journalPath: string;
  private readonly options: ModelStoreOptions;
  private journal: JournalWriter | null = null;
  private snapshotBytes = 0;
  private hasSnapshot = false;
  /** A failed save may have left a torn line: the next save writes a whole snapshot instead. */
  private mustFold = false;
  /** Checkpoint of the last save: journal lines must increase. */
  private savedCheckpoint = 0;

  constructor(
    readonly dir: string,
    options: Partial<ModelStoreOptions> = {},
  ) {
    this.snapshots = new SnapshotStore(dir);
    this.journalPath = join(dir, JOURNAL_FILE);
    this.options = { ...defaultModelStoreOptions(), ...options };
  }

  /**
   * The saved model (snapshot + journal), or null when nothing was saved. Throws `SnapshotError`
   * like `SnapshotStore.load`. Opens the journal for the saves that follow.
   */
  async load(): Promise<Snapshot | null> {
    const base = await this.snapshots.load();
    const journal = await readJournal(this.journalPath);
    // Without a snapshot, journal lines have nothing to apply to: drop them, or a fold that
    // crashed before emptying the journal could later mix them into the new snapshot.
    await this.openJournal(base === null ? 0 : journal.validBytes);
    this.hasSnapshot = base !== null;
    this.snapshotBytes = base ? (await stat(this.snapshots.path)).size : 0;
    if (base === null) return null;
    const newer = journal.entries.filter((e) => e.checkpoint > base.checkpoint);
    this.savedCheckpoint = newer[newer.length - 1]?.checkpoint ?? base.checkpoint;
    if (newer.length === 0) return base;
    const builds = new Map<string, BuildView>(base.builds.map((b) => [b.id, b]));
    const deliveries = new Map<string, DeliveryView>(base.deliveries.map((d) => [d.deliveryId, d]));
    for (const entry of newer) {
      for (const b of entry.builds) builds.set(b.id, b);
      for (const d of entry.deliveries) deliveries.set(d.deliveryId, d);
    }
    return { ...base, checkpoint: this.savedCheckpoint, builds: [...builds.values()], deliveries: [...deliveries.values()] };
  }

  /** Forgets everything saved (the model is rebuilt from the stream). */
  async clear(): Promise<void> {
    await this.journal?.close();
    this.journal = null;
    await rm(this.journalPath, { force: true });
    await rm(this.snapshots.path, { force: true });
    this.hasSnapshot = false;
    this.snapshotBytes = 0;
    this.mustFold = false;
    this.savedCheckpoint = 0;
    await this.openJournal(0);
  }

  /**
   * Saves what `state` changed since the last save, with its checkpoint. When this resolves, the
   * state as it was at the call is durable. On failure the next save writes a whole snapshot.
   * `load` (or `clear`) must have run: it opens the journal where its valid part ends.
   */
  async save(state: ProjectionState): Promise<number> {
    const journal = this.journal;
    if (journal === null) throw new Error("ModelStore.save before load");
    // Both captures are synchronous: the saved state is the one at the call, whatever applies next.
    const changes = state.takeChanges();
    const fold = this.mustFold || !this.hasSnapshot || journal.size > Math.max(this.snapshotBytes, this.options.compactMinBytes);
    const snapshot = fold ? state.toSnapshot() : null;
    try {
      if (snapshot) {
        this.snapshotBytes = await this.snapshots.save(snapshot);
        this.hasSnapshot = true;
        await journal.reset();
      } else if (changes.checkpoint > this.savedCheckpoint) {
        await journal.append(changes);
      }
      this.mustFold = false;
      this.savedCheckpoint = changes.checkpoint;
    } catch (err) {
      this.mustFold = true;
      throw err;
    }
    return changes.checkpoint;
  }

  async close(): Promise<void> {
    await this.journal?.close();
    this.journal = null;
  }

  private async openJournal(validBytes: number): Promise<JournalWriter> {
    await this.journal?.close();
    await this.snapshots.ensureDir();
    this.journal = await JournalWriter.open(this.journalPath, validBytes);
    return this.journal;
  }
}
