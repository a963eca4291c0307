import type { KV } from "@nats-io/kv";
import type { CommitStatus, StatusPhase } from "./status.js";

/** KV bucket of the statuses GitHub accepted, one key per build and phase. */
export const GITHUB_STATUSES_BUCKET = "github-statuses";

/**
 * What was posted, so that a redelivered or replayed event posts nothing twice: GitHub keeps every
 * status POST, a second one would be a second line in the commit's history.
 */
export type PostedStatuses = {
  has(buildId: string, phase: StatusPhase): Promise<boolean>;
  /** Written only after GitHub answered 2xx. */
  mark(buildId: string, phase: StatusPhase, status: CommitStatus): Promise<void>;
};

/** `<buildId>.<phase>`: build ids are `[A-Za-z0-9_-]`, valid KV key tokens as they are. */
export function postedKey(buildId: string, phase: StatusPhase): string {
  return `${buildId}.${phase}`;
}

export function postedStatuses(kv: KV): PostedStatuses {
  return {
    async has(buildId, phase) {
      const entry = await kv.get(postedKey(buildId, phase));
      return entry !== null && entry.operation === "PUT";
    },
    async mark(buildId, phase, status) {
      // What GitHub got, for an operator reading `nats kv get github-statuses <build>.<phase>`.
      await kv.put(postedKey(buildId, phase), JSON.stringify({ state: status.state, context: status.context, description: status.description, postedAt: new Date().toISOString() }));
    },
  };
}
