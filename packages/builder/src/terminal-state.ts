import type { JetStreamManager } from "@nats-io/jetstream";
import { BuildPhase, STREAM_EVENTS, subjects } from "@slipway/events";

/** The phases that end a build: once one is stored, nothing may run the build again. */
export const TERMINAL_PHASES = [BuildPhase.pushed, BuildPhase.failed, BuildPhase.cancelled] as const;
export type TerminalPhase = (typeof TERMINAL_PHASES)[number];

/**
 * Which terminal event is already stored for a build, if any. A job is redelivered when its builder
 * died (or its ack went unconfirmed) after the verdict was stored but before the ack: the verdict's
 * id has no attempt in it, so a rebuild's verdict would be dropped as a duplicate and the build
 * would look "running" forever. Asking the stream first lets the redelivery end quietly.
 *
 * `getMessage` resolves null when no message is stored on the subject and rejects on any other
 * error; the job then fails and is retried, so a build is never re-run on a guess.
 */
export async function findTerminalPhase(jsm: JetStreamManager, buildId: string): Promise<TerminalPhase | null> {
  for (const phase of TERMINAL_PHASES) {
    const stored = await jsm.streams.getMessage(STREAM_EVENTS, { last_by_subj: subjects.build(buildId, phase) });
    if (stored) return phase;
  }
  return null;
}
