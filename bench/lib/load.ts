/**
 * HTTP load with autocannon, `connections` keep-alive connections each with one request in flight.
 * Every request gets its own `X-GitHub-Delivery` (a fresh UUID, as GitHub sends), so a server that
 * dedupes by delivery id stores each one. A run ends by draining: after `durationMs` no connection
 * sends another request, and the run ends once every request sent has its answer, so "answered"
 * and "stored" can be compared exactly (autocannon's own end closes the sockets with requests
 * still in flight, which the server may have stored or not).
 */
import { randomUUID } from "node:crypto";
import autocannon from "autocannon";

export type LoadOptions = {
  url: string;
  /** The body, the same bytes for every request. */
  body: Buffer;
  /** Sent with every request, beside its own `X-GitHub-Delivery`. */
  headers: Record<string, string>;
  connections: number;
  durationMs: number;
};

export type LoadRun = {
  /** Requests written. */
  sent: number;
  /** Answers per HTTP status. */
  statuses: Record<number, number>;
  ok2xx: number;
  non2xx: number;
  /** Connection errors and timeouts (autocannon's `errors`, timeouts included). */
  errors: number;
  /** Requests sent and never answered (0 unless the drain failed: see `drained`). */
  unanswered: number;
  /** Whether the run ended by draining; false = autocannon's own stop cut requests in flight. */
  drained: boolean;
  /** Latency of every 2xx answer, ms. */
  latenciesMs: number[];
  /** From the start until the last answer, ms. */
  elapsedMs: number;
  /** 2xx answers per second over `elapsedMs`. */
  okPerSec: number;
};

/** The per-connection fields of autocannon's client that a drain sets (not in its typings). */
type DrainableClient = { reqsMade: number; responseMax?: number };

function isDrainable(client: object): client is DrainableClient {
  return "reqsMade" in client && typeof client.reqsMade === "number";
}

/** Extra time autocannon gets beyond `durationMs` to drain before its own stop cuts it. */
const DRAIN_GRACE_S = 30;

export function runLoad(options: LoadOptions): Promise<LoadRun> {
  const clients: object[] = [];
  const statuses: Record<number, number> = {};
  const latenciesMs: number[] = [];
  let sent = 0;
  let answered = 0;
  let lastAnswerAt = 0;
  let drained = true;

  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const instance = autocannon(
      {
        url: options.url,
        method: "POST",
        connections: options.connections,
        pipelining: 1,
        duration: options.durationMs / 1000 + DRAIN_GRACE_S,
        sampleInt: 100,
        headers: options.headers,
        body: options.body,
        requests: [
          {
            setupRequest: (req) => {
              sent++;
              req.headers = { ...req.headers, "X-GitHub-Delivery": randomUUID() };
              return req;
            },
          },
        ],
        setupClient: (client) => void clients.push(client),
      },
      (err, result) => {
        clearTimeout(drainTimer);
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const ok2xx = Object.entries(statuses).reduce((n, [code, count]) => (Number(code) >= 200 && Number(code) < 300 ? n + count : n), 0);
        const elapsedMs = (lastAnswerAt || performance.now()) - startedAt;
        resolve({
          sent,
          statuses,
          ok2xx,
          non2xx: answered - ok2xx,
          errors: result.errors,
          unanswered: sent - answered,
          drained,
          latenciesMs,
          elapsedMs,
          okPerSec: ok2xx / (elapsedMs / 1000),
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      answered++;
      lastAnswerAt = performance.now();
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTime);
    });
    // Each client sends its next request on an answer; capped at what it sent, it sends none and
    // closes instead, and autocannon ends once all have.
    const drainTimer = setTimeout(() => {
      if (!clients.every(isDrainable)) {
        drained = false;
        instance.stop();
        return;
      }
      for (const c of clients) c.responseMax = Math.max(1, c.reqsMade);
    }, options.durationMs);
  });
}
