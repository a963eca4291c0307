import type { RecordKey } from "./record-key.js";

/**
 * A page's `nextCursor`: the key of its last item, base64url of `<ms>|<id>`. It names a place in
 * the order, not an offset, so builds added while a client pages (newer ones sort before it)
 * never shift a page: nothing repeats, nothing is skipped. Opaque to clients; the format may change.
 */
export function encodeCursor(key: RecordKey): string {
  return Buffer.from(`${key.t}|${key.id}`, "utf8").toString("base64url");
}

/** The key a cursor names, or null when `text` is not one of ours. */
export function decodeCursor(text: string): RecordKey | null {
  if (!/^[A-Za-z0-9_-]{1,1400}$/.test(text)) return null;
  const match = /^(-?\d{1,16})\|([^\u0000]+)$/.exec(Buffer.from(text, "base64url").toString("utf8"));
  if (!match) return null;
  const t = Number(match[1]);
  return Number.isSafeInteger(t) && match[2] !== undefined ? { t, id: match[2] } : null;
}
