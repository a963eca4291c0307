import { durables, type DurableSpec } from "./streams.js";

/**
 * The name of a projector when none is set. Its durables keep the names they had before
 * projectors had names (`projector`, `projector-logs`), so an upgrade keeps their position.
 */
export const DEFAULT_PROJECTOR_NAME = durables.projectorEvents.name;

/**
 * Lowercase letters, digits, `-` and `_`, starting with a letter or digit: nothing a durable name
 * refuses (`.`, `*`, `>`, spaces), nothing that changes meaning in a folder name, and no two names
 * that differ only in case (one folder on a case-insensitive disk).
 */
const NAME = /^[a-z0-9][a-z0-9_-]{0,47}$/;

/** Durables of other services on the streams a projector reads: a projector of that name would seize them. */
const TAKEN: ReadonlySet<string> = new Set(
  Object.values(durables as Record<string, DurableSpec>)
    .filter((d) => d !== durables.projectorEvents && d !== durables.projectorLogs)
    .map((d) => d.name),
);

/** Why `name` cannot name a projector, or null when it can. */
export function projectorNameProblem(name: string): string | null {
  if (!NAME.test(name)) return "expected 1-48 of a-z, 0-9, '-' and '_', starting with a letter or digit";
  if (TAKEN.has(name)) return `${JSON.stringify(name)} is the durable consumer of another service`;
  return null;
}

/** The two durables of one projector. */
export type ProjectorDurables = Readonly<{ events: DurableSpec; logs: DurableSpec }>;

/**
 * The durables of the projector called `name`: `<name>` on CI_EVENTS and `<name>-logs` on
 * CI_LOGS. Each projector has its own, so replicas never move each other's position; all share
 * the defaults' delivery settings. Throws on a name `projectorNameProblem` refuses.
 */
export function projectorDurables(name: string = DEFAULT_PROJECTOR_NAME): ProjectorDurables {
  const problem = projectorNameProblem(name);
  if (problem !== null) throw new RangeError(`projector name ${JSON.stringify(name)}: ${problem}`);
  return Object.freeze({
    events: { ...durables.projectorEvents, name },
    logs: { ...durables.projectorLogs, name: `${name}-logs` },
  });
}
