/**
 * HTTP with node:http: ingress may sit on a port `fetch` refuses (6000), and a webhook here is one
 * fresh connection, as GitHub sends it.
 */
import { request } from "node:http";

/** An answer, or why there was none (connection refused, reset, timeout). */
export type Answer = { status: number; body: string } | { status: null; error: string };

export function httpRequest(method: string, url: string, o: { headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(url, { method, headers: o.headers, timeout: o.timeoutMs ?? 10_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8") }));
      res.on("error", (err) => resolve({ status: null, error: err.message }));
    });
    req.once("timeout", () => req.destroy(new Error(`no answer within ${o.timeoutMs ?? 10_000} ms`)));
    req.once("error", (err) => resolve({ status: null, error: err.message }));
    req.end(o.body);
  });
}

/** GET of a JSON answer; throws on anything but a 200. */
export async function getJson(url: string): Promise<unknown> {
  const answer = await httpRequest("GET", url, { timeoutMs: 30_000 });
  if (answer.status !== 200) throw new Error(`GET ${url}: ${answer.status === null ? answer.error : `${answer.status} ${answer.body.slice(0, 300)}`}`);
  return JSON.parse(answer.body);
}
