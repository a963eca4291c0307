import type { ObjectStore } from "@nats-io/obj";

/** Lookups of stored large files in flight at once. */
const LOOKUPS_IN_FLIGHT = 32;
/**
 * How long a blob this process stored or found is taken as stored without asking the store
 * again. Short on purpose: a bucket purged by hand is noticed within it. A push of a repo with
 * 200 large files asks ~40-100 ms of lookups otherwise, and the first ones after 100 MB was
 * written cost NATS ~0.2 s of CPU (it indexes the new blocks' subjects).
 */
const TRUST_MS = 10 * 60 * 1000;
const MAX_ENTRIES = 100_000;

/** Blob objects this process stored or found lately, with when each was written. */
export class KnownBlobs {
  private readonly entries = new Map<string, { writtenAt: number; seenAt: number }>();
  constructor(
    private readonly trustMs = TRUST_MS,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  note(name: string, writtenAt: number, now = Date.now()): void {
    this.entries.delete(name);
    this.entries.set(name, { writtenAt, seenAt: now });
    // The oldest noted first: a Map keeps insertion order.
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** When `name` was written, if it was seen within the trust window; else null. */
  writtenAt(name: string, now = Date.now()): number | null {
    const entry = this.entries.get(name);
    return entry !== undefined && now - entry.seenAt < this.trustMs ? entry.writtenAt : null;
  }
}

/**
 * Which of these blob objects are in the store and may be referred to: written less than
 * `refreshAfterMs` ago (0: any age). The bucket drops objects at its TTL; with half of it as
 * `refreshAfterMs`, a file older than that is written again, so a context's files outlive it by
 * at least half the TTL. Blobs `known` lately are not looked up.
 */
export async function storedBlobs(store: Pick<ObjectStore, "info">, names: Iterable<string>, refreshAfterMs: number, known?: KnownBlobs): Promise<Set<string>> {
  const now = Date.now();
  const fresh = (writtenAt: number) => refreshAfterMs === 0 || now - writtenAt < refreshAfterMs;
  const found = new Set<string>();
  const queue: string[] = [];
  for (const name of new Set(names)) {
    const writtenAt = known?.writtenAt(name, now) ?? null;
    if (writtenAt !== null && fresh(writtenAt)) found.add(name);
    else queue.push(name);
  }
  const worker = async () => {
    for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
      const info = await store.info(name);
      if (!info || info.deleted) continue;
      const writtenAt = Date.parse(info.mtime);
      known?.note(name, writtenAt, now);
      if (fresh(writtenAt)) found.add(name);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUPS_IN_FLIGHT, queue.length) }, worker));
  return found;
}
