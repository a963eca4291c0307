/**
 * GETs over one kept-alive connection with node:http, timed from the request to the last byte of
 * the answer: what a dashboard polling the projector sees, without connection setup.
 */
import { Agent, request } from "node:http";

export type Answer = { status: number; body: string; ms: number };

export type HttpClient = {
  get(path: string): Promise<Answer>;
  close(): void;
};

export function keepAliveClient(baseUrl: string, token: string | null): HttpClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  return {
    get: (path) =>
      new Promise((resolve, reject) => {
        const started = performance.now();
        const req = request(`${baseUrl}${path}`, { agent, headers, timeout: 60_000 }, (res) => {
          const parts: Buffer[] = [];
          res.on("data", (c: Buffer) => parts.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8"), ms: performance.now() - started }));
          res.on("error", reject);
        });
        req.once("timeout", () => req.destroy(new Error(`GET ${path}: timed out`)));
        req.once("error", reject);
        req.end();
      }),
    close: () => agent.destroy(),
  };
}

export type Series = {
  latenciesMs: number[];
  /** Answers by status code. */
  statuses: Record<string, number>;
  /** The first answer, to check what the route returned. */
  first: Answer;
  elapsedMs: number;
};

/**
 * `warmup` unmeasured requests, then up to `count` sequential ones, stopping early after
 * `maxMs` (a slow route must not hold the bench for minutes).
 */
export async function timeGets(client: HttpClient, path: string, count: number, warmup: number, maxMs: number): Promise<Series> {
  let first: Answer | undefined;
  for (let i = 0; i < warmup; i++) first ??= await client.get(path);
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  for (let i = 0; i < count && performance.now() - started < maxMs; i++) {
    const a = await client.get(path);
    first ??= a;
    latenciesMs.push(a.ms);
    statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  }
  return { latenciesMs, statuses, first: first!, elapsedMs: performance.now() - started };
}
