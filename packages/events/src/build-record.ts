import type { JetStreamManager } from "@nats-io/jetstream";
import { decodeEvent } from "./codec.js";
import type { Event } from "./envelope.js";
import type { BuildCancelRequested } from "./schemas/build.js";
import { STREAM_EVENTS } from "./streams.js";
import { BuildPhase, subjects } from "./subjects.js";

/** The phases that end a build: once one is stored, nothing may run the build again. */
export const TERMINAL_PHASES = [BuildPhase.pushed, BuildPhase.failed, BuildPhase.cancelled] as const;
export type TerminalPhase = (typeof TERMINAL_PHASES)[number];

/** What the stream already holds for one build, read before a delivery does any work. */
export type BuildRecord = {
  /** Which terminal event is stored, if any. */
  terminal: TerminalPhase | null;
  /** `BuildStarted` events stored: every attempt that began, however it ended. */
  started: number;
  /** `BuildHandedBack` events stored: attempts a stopping builder gave back. */
  handedBack: number;
  /** The newest cancel request, if someone asked. */
  cancelRequest: BuildCancelRequested | null;
};

/**
 * Reads a build's record with one stream-info request: the stored message count of each of the
 * build's subjects (`ci.build.<id>.*`). Each event has a deterministic id, so the counts are exact.
 * A job is redelivered when its builder died (or its ack went unconfirmed) after the verdict was
 * stored: asking first lets such a redelivery end quietly instead of building twice.
 */
export async function readBuildRecord(jsm: JetStreamManager, buildId: string): Promise<BuildRecord> {
  const info = await jsm.streams.info(STREAM_EVENTS, { subjects_filter: subjects.buildEvents(buildId) });
  const counts = info.state.subjects ?? {};
  const count = (phase: BuildPhase) => counts[subjects.build(buildId, phase)] ?? 0;
  const terminal = TERMINAL_PHASES.find((phase) => count(phase) > 0) ?? null;
  let cancelRequest: BuildCancelRequested | null = null;
  if (count(BuildPhase.cancelRequested) > 0) {
    const event = await lastBuildEvent(jsm, buildId, BuildPhase.cancelRequested);
    if (event?.type === "BuildCancelRequested") cancelRequest = event.data;
  }
  return { terminal, started: count(BuildPhase.started), handedBack: count(BuildPhase.handedBack), cancelRequest };
}

/** The newest stored event of one phase of a build (decoded and checked), or null when none is stored. */
export async function lastBuildEvent(jsm: JetStreamManager, buildId: string, phase: BuildPhase): Promise<Event | null> {
  const stored = await jsm.streams.getMessage(STREAM_EVENTS, { last_by_subj: subjects.build(buildId, phase) });
  return stored ? decodeEvent(stored.data) : null;
}

/** Attempts that count against the limit: every start except those handed back by a graceful stop. */
export function usedAttempts(record: Pick<BuildRecord, "started" | "handedBack">): number {
  return Math.max(0, record.started - record.handedBack);
}

/**
 * The number of the attempt about to start: one past every stored start, so ids derived from it
 * (`BuildStarted`, log chunks) never collide with an earlier attempt's, whatever the delivery count
 * says (nats-server 2.9 may redeliver a handed-back message with a count of 1 again).
 */
export function nextAttemptNumber(record: Pick<BuildRecord, "started">): number {
  return record.started + 1;
}
