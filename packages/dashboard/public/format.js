/**
 * Pure formatting and reading of the API's records: no DOM, so `packages/dashboard/test` runs
 * these in Node.
 */

/** The build statuses, in the API's words, with what the page shows besides the colour. */
export const STATUS = {
  queued: { label: "queued", icon: "◌" },
  running: { label: "running", icon: "●" },
  succeeded: { label: "succeeded", icon: "✓" },
  failed: { label: "failed", icon: "✗" },
  cancelled: { label: "cancelled", icon: "⊘" },
};

/** Delivery statuses (`GET /deliveries`). */
export const DELIVERY_STATUS = {
  received: { label: "received", icon: "◌" },
  synced: { label: "synced", icon: "✓" },
  sync_failed: { label: "sync failed", icon: "✗" },
  ignored: { label: "ignored", icon: "–" },
};

export function isTerminal(status) {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}

/** The first 7 characters of a commit, as git shows it. */
export function shortSha(sha) {
  return typeof sha === "string" && sha.length > 0 ? sha.slice(0, 7) : "—";
}

/** 850 -> "0.9 s", 72_000 -> "1 min 12 s", 3_720_000 -> "1 h 2 min". */
export function formatDuration(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 10_000) return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const hours = Math.floor(m / 60);
  return m % 60 === 0 ? `${hours} h` : `${hours} h ${m % 60} min`;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago"; future times (clock skew) read "just now". */
export function formatRelative(iso, nowMs) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return "—";
  const s = Math.round((nowMs - t) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** How long a build has taken: its duration once finished, else the time since it started. */
export function buildDuration(build, nowMs) {
  if (typeof build.durationMs === "number") return build.durationMs;
  if (build.status === "running" && build.startedAt) return Math.max(0, nowMs - Date.parse(build.startedAt));
  return null;
}

/** `127.0.0.1:5500/shop` + `main` -> `127.0.0.1:5500/shop:main`. */
export function imageRef(image, tag) {
  return `${image}:${tag}`;
}

/**
 * Stages of a build from its events (`GET /builds/<id>`): waiting for a builder, building,
 * pushing; each `{ name, startedAt, endedAt, ms, running }`, `endedAt` null while it runs. The
 * newest attempt's BuildStarted counts, so a retried attempt's wait includes the failed one.
 */
export function stageTimings(build, nowMs) {
  const events = Array.isArray(build.events) ? build.events : [];
  const last = (type) => {
    for (let i = events.length - 1; i >= 0; i--) if (events[i].type === type) return events[i].time;
    return null;
  };
  const queued = last("BuildQueued") ?? build.queuedAt ?? null;
  const started = last("BuildStarted") ?? build.startedAt ?? null;
  const built = last("ImageBuilt");
  const end = isTerminal(build.status) ? (last("ImagePushed") ?? last("BuildFailed") ?? last("BuildCancelled") ?? build.finishedAt ?? null) : null;
  const stages = [];
  const add = (name, from, to) => {
    if (!from) return;
    const ms = Math.max(0, (to ? Date.parse(to) : nowMs) - Date.parse(from));
    stages.push({ name, startedAt: from, endedAt: to, ms, running: to === null });
  };
  add("waiting for a builder", queued, started ?? end);
  if (started) add("build", started, built ?? end);
  if (built) add("push", built, end);
  return stages;
}

/** `bytes 100-199/1000` -> { start: 100, end: 199, size: 1000 }; null otherwise. */
export function parseContentRange(header) {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header ?? "");
  return m ? { start: Number(m[1]), end: Number(m[2]), size: Number(m[3]) } : null;
}

/**
 * What the provenance form got: `name@sha256:<hex>` (as `docker inspect` gives RepoDigests), or a
 * bare digest with the name given separately. Returns { image, digest } (image may be "") or an error.
 */
export function parseImageDigest(text, imageField = "") {
  const value = String(text).trim();
  const at = value.lastIndexOf("@");
  const image = (at >= 0 ? value.slice(0, at) : imageField).trim();
  const digest = (at >= 0 ? value.slice(at + 1) : value).trim().toLowerCase();
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) return { error: "a digest is sha256: followed by 64 hexadecimal digits (docker inspect -f '{{index .RepoDigests 0}}' <image> prints name@sha256:…)" };
  return { image, digest };
}

/** The query part of a hash route (`#/?status=failed`) as a plain object of non-empty values. */
export function queryOf(params) {
  const out = {};
  for (const [k, v] of params) if (v !== "") out[k] = v;
  return out;
}

/** Whether a build passes the list's filters (the server filtered the first pages; live updates are checked here). */
export function matchesFilters(build, filters) {
  if (filters.repo && build.repo !== filters.repo) return false;
  if (filters.status && build.status !== filters.status) return false;
  if (filters.branch && build.branch !== filters.branch) return false;
  if (filters.delivery && build.deliveryId !== filters.delivery) return false;
  return true;
}

/** Newest first, as the API lists them: by `queuedAt`, then by id. */
export function compareBuilds(a, b) {
  const ta = Date.parse(a.queuedAt);
  const tb = Date.parse(b.queuedAt);
  if (ta !== tb) return tb - ta;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** The newest CI_EVENTS sequence a record reflects (its `events`), 0 when none. */
export function lastSeq(record) {
  const events = Array.isArray(record?.events) ? record.events : [];
  return events.reduce((max, e) => Math.max(max, e.seq), 0);
}
