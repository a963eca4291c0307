import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { SlipwayError } from "@slipway/events";
import { BuildView, DeliveryView } from "./read-model.js";
import { StoredDeliveryView, upcastDelivery } from "./stored-delivery.js";

/** Version of the snapshot file format; a newer file is refused, an older one is rebuilt from events. */
export const SNAPSHOT_SCHEMA = 1;

/**
 * The read model and its checkpoint in one document: written in one atomic rename, so the model
 * on disk always matches the stream sequence it claims, and no event is applied twice.
 */
export const Snapshot = Type.Object({
  schema: Type.Literal(SNAPSHOT_SCHEMA),
  /** Last CI_EVENTS stream sequence folded into the model (0 = none). */
  checkpoint: Type.Integer({ minimum: 0 }),
  /** Creation time of the stream the checkpoint counts in: a recreated stream restarts its sequences. */
  streamCreated: Type.Union([Type.String(), Type.Null()]),
  builds: Type.Array(BuildView),
  deliveries: Type.Array(DeliveryView),
});
export type Snapshot = Static<typeof Snapshot>;

/** What `load` accepts: a snapshot whose deliveries may lack fields added since (upcast on load). */
const StoredSnapshot = Type.Object({ ...Snapshot.properties, deliveries: Type.Array(StoredDeliveryView) });
const checkSnapshot = TypeCompiler.Compile(StoredSnapshot);

export const SnapshotErrorCode = {
  Corrupt: "PROJECTOR_SNAPSHOT_CORRUPT",
  TooNew: "PROJECTOR_SNAPSHOT_TOO_NEW",
} as const;
export type SnapshotErrorCode = (typeof SnapshotErrorCode)[keyof typeof SnapshotErrorCode];

export class SnapshotError extends SlipwayError {
  override name = "SnapshotError";
  constructor(
    override readonly code: SnapshotErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export const SNAPSHOT_FILE = "read-model.json";

/** Loads and saves the snapshot in `dir`. */
export class SnapshotStore {
  readonly path: string;

  constructor(readonly dir: string) {
    this.path = join(dir, SNAPSHOT_FILE);
  }

  /**
   * The saved snapshot, or null when there is none yet. Throws `SnapshotError`: `Corrupt` for a
   * file that is not a valid snapshot (the caller may rebuild from the stream), `TooNew` for a
   * format this code does not know (refused: rebuilding would silently downgrade it).
   */
  async load(): Promise<Snapshot | null> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if (isNoEntry(err)) return null;
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new SnapshotError(SnapshotErrorCode.Corrupt, `${this.path} is not JSON`, { cause });
    }
    if (checkSnapshot.Check(parsed)) return { ...parsed, deliveries: parsed.deliveries.map(upcastDelivery) };
    const schema = typeof parsed === "object" && parsed !== null && "schema" in parsed ? parsed.schema : undefined;
    if (typeof schema === "number" && schema > SNAPSHOT_SCHEMA) {
      throw new SnapshotError(SnapshotErrorCode.TooNew, `${this.path} has schema ${schema}; this projector knows ${SNAPSHOT_SCHEMA}`);
    }
    const first = checkSnapshot.Errors(parsed).First();
    throw new SnapshotError(SnapshotErrorCode.Corrupt, `${this.path} is not a valid snapshot (${first ? `${first.path || "/"}: ${first.message}` : "invalid"})`);
  }

  /**
   * Replaces the snapshot atomically: a temp file, fsync, rename over the old one, fsync of the
   * directory. A crash at any point leaves either the old or the new snapshot, never a mix.
   * Returns the file's size.
   */
  async save(snapshot: Snapshot): Promise<number> {
    const body = Buffer.from(JSON.stringify(snapshot), "utf8");
    await this.ensureDir();
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      const file = await open(tmp, "w", 0o644);
      try {
        await file.writeFile(body);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    // The rename itself is only durable once the directory entry is on disk.
    const dirHandle = await open(this.dir, "r");
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
    return body.length;
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }
}

export function isNoEntry(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === "ENOENT";
}
