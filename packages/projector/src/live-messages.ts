import type { SSEMessage } from "@fastify/sse";
import type { Event } from "@slipway/events";
import type { LogItem } from "./log-follow.js";

/** SSE event names of `GET /builds/:id/log/stream`. */
export const LogEventName = {
  /** A chunk of output; `id` = its CI_LOGS sequence, `data` = its text. */
  log: "log",
  /** The chunks after it belong to this builder attempt: `{"attempt":2}`, no `id`. */
  attempt: "attempt",
  /** The build's ImagePushed, BuildFailed or BuildCancelled event (JSON); the stream ends after it. */
  verdict: "verdict",
} as const;
export type LogEventName = (typeof LogEventName)[keyof typeof LogEventName];

/** Where a client resumes: after the sequence it has, or (null) where the route starts by default. */
export type ResumeParse = { ok: true; after: number | null } | { ok: false; message: string };

const SEQ = /^\d{1,15}$/;

/**
 * `Last-Event-ID` wins over `?lastEventId=` (for clients that cannot set headers), which wins over
 * `?since=`: an EventSource reconnects with its first URL, so the header is the newer position.
 */
export function parseResume(header: unknown, query: Record<string, unknown>): ResumeParse {
  const given: [string, unknown][] = [["Last-Event-ID", header], ["lastEventId", query.lastEventId], ["since", query.since]];
  for (const [name, value] of given) {
    if (value === undefined || value === "") continue;
    if (typeof value !== "string" || !SEQ.test(value)) return { ok: false, message: `${name} must be a stream sequence (a whole number), given once` };
    return { ok: true, after: Number(value) };
  }
  return { ok: true, after: null };
}

/**
 * SSE cuts data at CR, LF and CRLF alike, and the library writes one `data:` line per LF only: a
 * lone CR (a progress bar redrawing its line) would cut a line and lose the rest. Every line break
 * becomes LF; `GET /builds/:id/log` keeps the exact bytes.
 */
export function toLf(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/**
 * The SSE messages of one log item, given the attempt of the last chunk this connection sent (0 =
 * none yet): an `attempt` message first whenever the attempt changes, so the text itself stays
 * exactly the log's.
 */
export function logMessages(item: LogItem, shownAttempt: number): { messages: SSEMessage[]; attempt: number } {
  if (item.kind === "verdict") {
    return { messages: [{ event: LogEventName.verdict, data: JSON.stringify(item.event) }], attempt: shownAttempt };
  }
  const messages: SSEMessage[] = [];
  if (item.attempt !== shownAttempt) messages.push({ event: LogEventName.attempt, data: JSON.stringify({ attempt: item.attempt }) });
  messages.push({ id: String(item.seq), event: LogEventName.log, data: toLf(item.text) });
  return { messages, attempt: item.attempt };
}

/** One domain event: named by its type, `id` = its CI_EVENTS sequence, `data` = the event (JSON). */
export function eventMessage(seq: number, event: Event): SSEMessage {
  return { id: String(seq), event: event.type, data: JSON.stringify(event) };
}
