import { setTimeout as sleep } from "node:timers/promises";
import type { ReplayStatus } from "../replay-job.js";
import { progressDisplay } from "./replay-progress.js";
import { UsageError } from "./usage-error.js";

export type LiveReplayOptions = { url: string; token: string | null; json: boolean; pollMs?: number };

/** One request to the projector; a refused connection or a 401 is a `UsageError` that says what to do. */
async function call(o: LiveReplayOptions, method: "GET" | "POST", path: string): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(o.url + path, { method, headers: o.token ? { authorization: `Bearer ${o.token}` } : {} });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new UsageError(`no projector answers at ${o.url} (${cause}): is slipway running (npm start)? Otherwise pass --url`);
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.status === 401) throw new UsageError(`the projector at ${o.url} wants its API token: set SLIPWAY_API_TOKEN`);
  if (res.status === 404 && path === "/replay") throw new UsageError(`${o.url} has no /replay: is it a slipway projector of this version?`);
  return { status: res.status, body };
}

/**
 * Starts a replay in the running projector (or follows the one already running), shows its
 * progress until the rebuilt view is live, and says how it went. 0 = done, 1 = failed.
 */
export async function replayLive(o: LiveReplayOptions): Promise<number> {
  const started = await call(o, "POST", "/replay");
  if (started.status === 409) process.stderr.write("a replay is running already: following it\n");
  else if (started.status !== 202) throw new Error(`POST /replay answered ${started.status}: ${JSON.stringify(started.body)}`);
  const display = progressDisplay(process.stderr, "replay");
  let status: ReplayStatus;
  for (;;) {
    status = (await call(o, "GET", "/replay")).body as ReplayStatus;
    display.update({ applied: status.applied, total: status.total, rate: status.rate, eta: status.eta });
    if (status.state === "done" || status.state === "failed") break;
    await sleep(o.pollMs ?? 250);
  }
  display.stop();
  if (o.json) process.stdout.write(`${JSON.stringify(status)}\n`);
  if (status.state === "failed") {
    process.stderr.write(`replay failed: ${status.error ?? "unknown error"} (the live view stays as it was)\n`);
    return 1;
  }
  const secs = status.startedAt && status.finishedAt ? (Date.parse(status.finishedAt) - Date.parse(status.startedAt)) / 1000 : null;
  if (!o.json) {
    process.stdout.write(`replayed ${status.applied} events${secs === null ? "" : ` in ${secs.toFixed(1)} s`}; the rebuilt view is live at sequence ${status.seq}\n`);
  }
  return 0;
}
