import { setTimeout as sleep } from "node:timers/promises";
import { decodeEvent } from "@slipway/events";
import { CliError, FailedError, UsageError } from "./errors.js";
import { refusal, type ProjectorApi } from "./http.js";
import { isVerdict, type Verdict } from "./output/verdict.js";
import { readSse } from "./sse.js";

/** What a follower is told, in order. */
export type LogFollowHandlers = {
  /** Text of the newest attempt, exactly as the log has it (line breaks as LF). */
  text(text: string, seq: number, attempt: number): void;
  /** A newer builder attempt began: its log starts again. Not called for the first attempt. */
  restart(attempt: number): void;
};

/** How long a stream that broke (a projector restart) is retried before giving up. */
const RECONNECT_FOR_MS = 30_000;
const RECONNECT_PAUSE_MS = 250;

/**
 * Follows `GET /builds/<id>/log/stream` until the build's verdict, which it returns. A stream
 * that ends early (the projector stopped) is resumed after the last chunk seen (`Last-Event-ID`),
 * so nothing is shown twice or lost. Chunks of an attempt older than the newest are late and
 * skipped, as the log file skips them. Rejects with an AbortError when `signal` aborts.
 */
export async function followLog(api: ProjectorApi, buildId: string, on: LogFollowHandlers, signal: AbortSignal): Promise<Verdict> {
  const path = `/builds/${encodeURIComponent(buildId)}/log/stream`;
  let lastId: string | null = null;
  let newest = 0;
  let brokeAt: number | null = null;
  for (;;) {
    let res: Response;
    try {
      res = await api.request("GET", path, { accept: "text/event-stream", headers: lastId ? { "last-event-id": lastId } : {}, signal });
    } catch (err) {
      // Unreachable after a stream broke: the projector restarting. Wait for it a while.
      if (brokeAt === null || !(err instanceof UsageError) || Date.now() - brokeAt > RECONNECT_FOR_MS) throw err;
      await sleep(1000, undefined, { signal });
      continue;
    }
    if (!res.ok) {
      const body: unknown = await res.json().catch(() => null);
      throw refusal(api.url, "GET", path, res.status, body);
    }
    if (!res.body) throw new FailedError(`${path} answered without a body`);
    let current = 0;
    let verdict: Verdict | null = null;
    const idBefore: string | null = lastId;
    await readSse(res.body, (e) => {
      if (e.event === "attempt") {
        current = attemptOf(e.data);
        if (current > newest) {
          if (newest > 0) on.restart(current);
          newest = current;
        }
      } else if (e.event === "log") {
        if (e.id !== undefined) lastId = e.id;
        if (current === newest) on.text(e.data, Number(e.id), current);
      } else if (e.event === "verdict") {
        verdict = verdictOf(e.data);
        return "stop";
      }
    });
    if (verdict !== null) return verdict;
    if (signal.aborted) throw signal.reason;
    // Ended early. A stream that keeps ending without bringing anything is given up, not hammered.
    if (brokeAt === null || lastId !== idBefore) brokeAt = Date.now();
    else if (Date.now() - brokeAt > RECONNECT_FOR_MS) throw new UsageError(`the log stream of ${buildId} at ${api.url} keeps ending without the build's verdict`);
    await sleep(RECONNECT_PAUSE_MS, undefined, { signal });
  }
}

function attemptOf(data: string): number {
  const parsed: unknown = JSON.parse(data);
  const attempt = typeof parsed === "object" && parsed !== null ? (parsed as { attempt?: unknown }).attempt : undefined;
  if (typeof attempt !== "number") throw new CliError(`the log stream sent an attempt that is not one: ${data}`, 1);
  return attempt;
}

/** Checked like any event at a boundary: a verdict we cannot read is not a verdict. */
function verdictOf(data: string): Verdict {
  const event = decodeEvent(Buffer.from(data, "utf8"));
  if (!isVerdict(event)) throw new FailedError(`the log stream ended with a ${event.type}, not a verdict`);
  return event;
}
