/**
 * Server-Sent Events over fetch(): a browser's EventSource cannot send the API token, fetch can.
 * The stream is parsed with eventsource-parser; after a drop it reconnects with the last `id` it
 * got as `Last-Event-ID`, so the projector resumes exactly after it (nothing lost, nothing twice).
 */
import { createParser } from "/assets/vendor/eventsource-parser.js";
import { ApiError, request } from "./api.js";

/** The projector sends a comment every 15 s: a stream silent for longer has died on the way. */
const SILENCE_MS = 45_000;
const MAX_BACKOFF_MS = 15_000;

/**
 * Follows `path` until `signal` aborts or `onEvent` returns "stop".
 * @param {string} path e.g. `/events/stream?type=BuildQueued`
 * @param {{
 *   signal: AbortSignal,
 *   onEvent: (e: { event: string, data: string, id: string | undefined }) => unknown,
 *   onState?: (state: "connecting" | "live" | "reconnecting" | "ended", detail?: string) => void,
 *   lastEventId?: string,
 *   onError?: (err: ApiError) => void,
 * }} o `onError`: an answer that reconnecting will not change (400, 404); the stream then stops
 * @returns {Promise<void>} resolves when it stopped
 */
export async function follow(path, o) {
  let lastEventId = o.lastEventId;
  let backoff = 500;
  const state = (s, detail) => o.onState?.(s, detail);
  while (!o.signal.aborted) {
    state(lastEventId === undefined ? "connecting" : "reconnecting");
    const attempt = new AbortController();
    const abort = () => attempt.abort();
    o.signal.addEventListener("abort", abort, { once: true });
    let stop = false;
    try {
      const headers = { accept: "text/event-stream" };
      if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
      const res = await request(path, { headers, signal: attempt.signal, cache: "no-store" });
      state("live");
      backoff = 500;
      const parser = createParser({
        onEvent: (e) => {
          if (e.id !== undefined) lastEventId = e.id;
          if (stop) return;
          if (o.onEvent({ event: e.event ?? "message", data: e.data, id: e.id }) === "stop") {
            stop = true;
            attempt.abort();
          }
        },
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let timer = setTimeout(abort, SILENCE_MS);
      try {
        for (;;) {
          const { value, done } = await reader.read();
          clearTimeout(timer);
          if (done) break;
          timer = setTimeout(abort, SILENCE_MS);
          parser.feed(value);
        }
      } finally {
        clearTimeout(timer);
      }
    } catch (err) {
      if (stop || o.signal.aborted) break;
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
        o.onError?.(err);
        state("ended", err.message);
        break;
      }
      // A drop (network, server restart): come back after a pause, from where it stopped.
    } finally {
      o.signal.removeEventListener("abort", abort);
    }
    if (stop || o.signal.aborted) break;
    state("reconnecting");
    await sleep(backoff, o.signal);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
  state("ended");
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}
