import { isEventType, subjects, type Event, type EventType } from "@slipway/events";

/** Which domain events a client of `GET /events/stream` wants; null = any. */
export type EventFilter = {
  types: ReadonlySet<EventType> | null;
  /** Repository key (`owner/name`, or `name` for a push without an owner). */
  repo: string | null;
  build: string | null;
  /** The webhook delivery, which every event of a push carries as `correlationId`. */
  delivery: string | null;
};

export type FilterParse = { ok: true; value: EventFilter } | { ok: false; message: string };

const BUILD_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Logs have their own stream and route (`/builds/:id/log/stream`). */
const NOT_IN_EVENTS: ReadonlySet<string> = new Set(["BuildLogChunk"]);

/** A query value given once (`?type=a,b`) or repeated (`?type=a&type=b`), as one list. */
function list(value: unknown): string[] | null {
  if (value === undefined) return null;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => (typeof v === "string" ? v.split(",") : [""]));
  return parts.map((p) => p.trim());
}

function single(value: unknown, name: string, max: number): { ok: true; value: string | null } | { ok: false; message: string } {
  if (value === undefined) return { ok: true, value: null };
  if (typeof value !== "string" || value.length === 0 || value.length > max) return { ok: false, message: `${name} must be given once, 1-${max} characters` };
  return { ok: true, value };
}

/** Parses `?type=&repo=&build=&delivery=`; unknown types and malformed values are refused. */
export function parseEventFilter(query: Record<string, unknown>): FilterParse {
  let types: Set<EventType> | null = null;
  const typeList = list(query.type);
  if (typeList !== null) {
    types = new Set();
    for (const t of typeList) {
      if (!isEventType(t) || NOT_IN_EVENTS.has(t)) return { ok: false, message: `type: unknown event type ${JSON.stringify(t)}` };
      types.add(t);
    }
  }
  const repo = single(query.repo, "repo", 300);
  if (!repo.ok) return repo;
  const build = single(query.build, "build", 64);
  if (!build.ok) return build;
  if (build.value !== null && !BUILD_ID.test(build.value)) return { ok: false, message: "build: not a build id" };
  const delivery = single(query.delivery, "delivery", 200);
  if (!delivery.ok) return delivery;
  return { ok: true, value: { types, repo: repo.value, build: build.value, delivery: delivery.value } };
}

/** The subject filter the server can apply; the rest is matched here (`matchesFilter`). */
export function subjectFilter(f: EventFilter): string | undefined {
  return f.build === null ? undefined : subjects.buildEvents(f.build);
}

/** The build an event is about, when it is about one. */
export function buildIdOf(event: Event): string | null {
  const data: object = event.data;
  return "buildId" in data && typeof data.buildId === "string" ? data.buildId : null;
}

/** The repository an event names itself (webhook, repo and BuildQueued events do). */
export function ownRepoOf(event: Event): string | null {
  const data: object = event.data;
  if (!("repo" in data) || typeof data.repo !== "object" || data.repo === null) return null;
  return "key" in data.repo && typeof data.repo.key === "string" ? data.repo.key : null;
}

/**
 * Whether `event` passes `f`. `repoOf` answers for build events that do not carry their repo
 * (every one but BuildQueued); null when unknown, which a repo filter does not pass.
 */
export function matchesFilter(f: EventFilter, event: Event, repoOf: (buildId: string) => string | null): boolean {
  if (f.types !== null && !f.types.has(event.type)) return false;
  if (f.delivery !== null && event.correlationId !== f.delivery) return false;
  const buildId = buildIdOf(event);
  if (f.build !== null && buildId !== f.build) return false;
  if (f.repo !== null) {
    const repo = ownRepoOf(event) ?? (buildId === null ? null : repoOf(buildId));
    if (repo !== f.repo) return false;
  }
  return true;
}
