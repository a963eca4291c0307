/** Times for people: "3 min ago", "1 min 05 s", "12:03:04.120". */

/** How long ago `iso` was, seen from `nowMs`; a date for anything older than a month. */
export function relativeTime(iso: string | null, nowMs: number): string {
  if (iso === null) return "-";
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return iso;
  const s = Math.round((nowMs - at) / 1000);
  // A clock a little ahead of ours (another host) is not "in 2 s": it is now.
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ago`;
  const days = Math.floor(h / 24);
  if (days <= 30) return `${days} days ago`;
  return iso.slice(0, 10);
}

/** A duration: "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  const min = Math.round(s / 60);
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, "0")} min`;
}

/** The local wall clock of `at`, to the millisecond: events a few ms apart stay in order. */
export function clock(at: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}.${String(at.getMilliseconds()).padStart(3, "0")}`;
}
