import type { JetStreamManager } from "@nats-io/jetstream";
import { STREAM_EVENTS, decodeEvent, subjects } from "@slipway/events";

/**
 * The attempt number of a run. JetStream's delivery count is the base, but nats-server 2.9 (fixed
 * in 2.10, nats-server#5305) may redeliver a message that was handed back with a count of 1
 * again. The attempt is part of the ids of `BuildStarted`, `ImageBuilt` and the log chunks, so a
 * repeated number would drop the new run's events as duplicates: the last stored `BuildStarted`
 * keeps the number counting up.
 */
export function nextAttempt(deliveryCount: number, lastStarted: number | null): number {
  return Math.max(deliveryCount, (lastStarted ?? 0) + 1);
}

/** The attempt of the last `BuildStarted` stored for a build; null when none (or unreadable). */
export async function lastStartedAttempt(jsm: JetStreamManager, buildId: string): Promise<number | null> {
  const stored = await jsm.streams.getMessage(STREAM_EVENTS, { last_by_subj: subjects.build(buildId, "started") });
  if (!stored) return null;
  try {
    const event = decodeEvent(stored.data);
    return event.type === "BuildStarted" ? event.data.attempt : null;
  } catch {
    // Written by a newer builder in a form this one cannot read: the delivery count still counts.
    return null;
  }
}
