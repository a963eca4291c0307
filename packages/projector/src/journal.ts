import { open, readFile, type FileHandle } from "node:fs/promises";
import { Type, type Static } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { BuildView, DeliveryView } from "./read-model.js";
import { isNoEntry } from "./snapshot-store.js";
import { StoredDeliveryView, upcastDelivery } from "./stored-delivery.js";

/**
 * One persisted batch: the records it changed and the checkpoint they bring the model to. The
 * records and the checkpoint are one line, written and synced in one go: a line is either whole
 * (applied at load) or torn by a crash (ignored, with everything after it).
 */
export const JournalEntry = Type.Object({
  checkpoint: Type.Integer({ minimum: 1 }),
  builds: Type.Array(BuildView),
  deliveries: Type.Array(DeliveryView),
});
export type JournalEntry = Static<typeof JournalEntry>;

/** What `readJournal` accepts: lines whose deliveries may lack fields added since (upcast on read). */
const StoredJournalEntry = Type.Object({ ...JournalEntry.properties, deliveries: Type.Array(StoredDeliveryView) });
const checkEntry = TypeCompiler.Compile(StoredJournalEntry);
const NEWLINE = 0x0a;

/** The valid prefix of a journal file. */
export type JournalContents = {
  entries: JournalEntry[];
  /** Bytes of whole, valid lines; anything after is a torn tail. */
  validBytes: number;
};

/** Reads whole valid lines from the start, stopping at the first torn or invalid one. */
export async function readJournal(path: string): Promise<JournalContents> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if (isNoEntry(err)) return { entries: [], validBytes: 0 };
    throw err;
  }
  const entries: JournalEntry[] = [];
  let start = 0;
  let last = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(NEWLINE, start);
    if (end < 0) break;
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.subarray(start, end).toString("utf8"));
    } catch {
      break;
    }
    if (!checkEntry.Check(parsed) || parsed.checkpoint <= last) break;
    entries.push({ ...parsed, deliveries: parsed.deliveries.map(upcastDelivery) });
    last = parsed.checkpoint;
    start = end + 1;
  }
  return { entries, validBytes: start };
}

/** The append side of the journal: one open file, its size known. */
export class JournalWriter {
  private constructor(
    private readonly file: FileHandle,
    private bytes: number,
  ) {}

  /** Opens `path` for appending after its first `validBytes` (a torn tail is cut off). */
  static async open(path: string, validBytes: number): Promise<JournalWriter> {
    const file = await open(path, "a+", 0o644);
    try {
      await file.truncate(validBytes);
      await file.sync();
      return new JournalWriter(file, validBytes);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  get size(): number {
    return this.bytes;
  }

  /** Appends one entry as one line and syncs it: when this resolves, the batch is durable. */
  async append(entry: JournalEntry): Promise<void> {
    const line = Buffer.from(JSON.stringify(entry) + "\n", "utf8");
    // The file is in append mode: every write lands at its end, whatever the position says.
    await this.file.write(line, 0, line.length);
    await this.file.datasync();
    this.bytes += line.length;
  }

  /** Empties the journal (after its contents went into a snapshot). */
  async reset(): Promise<void> {
    await this.file.truncate(0);
    await this.file.sync();
    this.bytes = 0;
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
