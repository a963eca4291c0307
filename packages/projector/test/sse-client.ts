import { request, type IncomingMessage } from "node:http";
import { createParser, type EventSourceMessage } from "eventsource-parser";

/** A Server-Sent Events response read with a spec-following parser (not the server's own code). */
export type SseClient = {
  status: number;
  headers: IncomingMessage["headers"];
  /** Events parsed so far. */
  events: EventSourceMessage[];
  /** Comment lines (heartbeats) seen so far. */
  comments: string[];
  /** The body, for an answer that is not a stream (an error). */
  body(): string;
  /** Resolves when the server ended the response (or the connection broke). */
  ended: Promise<void>;
  /** Waits until `n` events arrived; rejects after `timeoutMs` with what did. */
  waitFor(n: number, timeoutMs?: number): Promise<EventSourceMessage[]>;
  /** Stops reading without closing: the server's writes back up. */
  pause(): void;
  resume(): void;
  /** Leaves: closes the connection. */
  close(): void;
};

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
      const events: EventSourceMessage[] = [];
      const comments: string[] = [];
      let raw = "";
      let wake = () => {};
      const parser = createParser({
        onEvent: (e) => {
          events.push(e);
          wake();
        },
        onComment: (c) => comments.push(c),
      });
      res.setEncoding("utf8");
      res.on("data", (text: string) => {
        raw += text.length < 10_000 ? text : "";
        parser.feed(text);
      });
      const ended = new Promise<void>((done) => {
        res.on("end", done);
        res.on("close", done);
        res.on("error", () => done());
      });
      let isEnded = false;
      void ended.then(() => {
        isEnded = true;
        wake();
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        comments,
        body: () => raw,
        ended,
        async waitFor(n, timeoutMs = 10_000) {
          const deadline = Date.now() + timeoutMs;
          while (events.length < n) {
            if (isEnded) throw new Error(`stream ended after ${events.length} of ${n} events: ${JSON.stringify(events)}`);
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`${events.length} of ${n} events in ${timeoutMs} ms: ${JSON.stringify(events)}`);
            await new Promise<void>((r) => {
              const timer = setTimeout(r, Math.min(left, 100));
              wake = () => {
                clearTimeout(timer);
                r();
              };
            });
          }
          return events.slice(0, n);
        },
        pause: () => res.pause(),
        resume: () => res.resume(),
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
    req.end();
  });
}
