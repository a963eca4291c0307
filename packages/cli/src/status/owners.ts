import { DEFAULT_PROJECTOR_NAME, durables, STREAM_EVENTS, STREAM_LOGS } from "@slipway/events";

/** A consumer as the status needs to place it. */
export type ConsumerRef = { stream: string; name: string; durable: boolean };

/** Services whose only trace on the bus is a consumer, by its durable name (from `durables`). */
const OWNED: readonly { stream: string; name: string; service: string }[] = [
  { ...durables.gitSync, service: "git-sync" },
  { ...durables.builders, service: "builder" },
  { ...durables.githubStatus, service: "github-status" },
];

/** The suffix of a projector's durable on CI_LOGS (`<name>-logs`, see `projectorDurables`). */
const LOGS_SUFFIX = durables.projectorLogs.name.slice(DEFAULT_PROJECTOR_NAME.length);

/**
 * Projector names on this bus: every `<name>-logs` durable on CI_LOGS that has its `<name>`
 * twin on CI_EVENTS, and the default one. The pair is what makes it a projector's.
 */
export function projectorNames(consumers: readonly ConsumerRef[]): Set<string> {
  const events = new Set(consumers.filter((c) => c.durable && c.stream === STREAM_EVENTS).map((c) => c.name));
  const names = new Set<string>([DEFAULT_PROJECTOR_NAME]);
  for (const c of consumers) {
    if (!c.durable || c.stream !== STREAM_LOGS || !c.name.endsWith(LOGS_SUFFIX)) continue;
    const name = c.name.slice(0, -LOGS_SUFFIX.length);
    if (events.has(name)) names.add(name);
  }
  return names;
}

/**
 * Which service a consumer belongs to: `builder`, `git-sync`, `github-status`, `projector`
 * (`projector <name>` for a named one), `ephemeral` for a consumer without a durable name (a live
 * log or event stream of the projector, a KV watcher, a `nats` command), else `?`.
 */
export function consumerOwner(c: ConsumerRef, projectors: ReadonlySet<string>): string {
  if (!c.durable) return "ephemeral";
  const owned = OWNED.find((o) => o.stream === c.stream && o.name === c.name);
  if (owned) return owned.service;
  const projector = c.stream === STREAM_EVENTS ? c.name : c.stream === STREAM_LOGS && c.name.endsWith(LOGS_SUFFIX) ? c.name.slice(0, -LOGS_SUFFIX.length) : null;
  if (projector !== null && projectors.has(projector)) return projector === DEFAULT_PROJECTOR_NAME ? "projector" : `projector ${projector}`;
  return "?";
}
