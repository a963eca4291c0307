import type { CliConfig } from "./config.js";
import { FailedError, UsageError } from "./errors.js";

/** How long a plain request may take: an `asOf` far back costs the projector seconds, not minutes. */
const REQUEST_TIMEOUT_MS = 60_000;

/** An error as either service says it: the projector's `{error:{code,message}}`, ingress's `{status:"error",code,message}`. */
export type ApiProblem = { code: string | null; message: string };

export function apiProblem(body: unknown, status: number): ApiProblem {
  if (typeof body === "object" && body !== null) {
    const b = body as Record<string, unknown>;
    const inner = typeof b.error === "object" && b.error !== null ? (b.error as Record<string, unknown>) : b;
    if (typeof inner.message === "string") return { code: typeof inner.code === "string" ? inner.code : null, message: inner.message };
  }
  return { code: null, message: `HTTP ${status}` };
}

export type RequestOptions = {
  query?: Record<string, string | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sends `X-Slipway-User` (the build control API's attribution). */
  asUser?: boolean;
  accept?: string;
  headers?: Record<string, string>;
  /** Replaces the default timeout (live streams run as long as they need). */
  signal?: AbortSignal;
};

/** Why fetch threw, for a person: the system's error code when there is one. */
function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

/**
 * The projector's HTTP API, with the token and the errors every command shares: no answer and
 * a 401 are usage errors (exit 2) that say what to set.
 */
export class ProjectorApi {
  constructor(private readonly config: Pick<CliConfig, "projectorUrl" | "token" | "user">) {}

  get url(): string {
    return this.config.projectorUrl;
  }

  async request(method: "GET" | "POST", path: string, o: RequestOptions = {}): Promise<Response> {
    const url = new URL(this.url + path);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const token = this.config.token();
    const headers: Record<string, string> = { ...o.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    if (o.accept) headers.accept = o.accept;
    if (o.asUser && this.config.user) headers["x-slipway-user"] = this.config.user;
    let body: string | undefined;
    if (o.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(o.body);
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, signal: o.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      if (o.signal?.aborted) throw err;
      if ((err as Error).name === "TimeoutError") throw new UsageError(`the projector at ${this.url} did not answer ${method} ${path} within ${REQUEST_TIMEOUT_MS / 1000} s`);
      const why = reason(err);
      if (why === "bad port") throw new UsageError(`${this.url}: fetch refuses that port (a port the Fetch standard blocks); the CLI talks to the projector (port 5000)`);
      throw new UsageError(`no projector answers at ${this.url} (${why}): is slipway running (npm start)? Otherwise set SLIPWAY_PROJECTOR_URL or pass --url`);
    }
    if (res.status === 401) {
      await res.body?.cancel();
      throw new UsageError(
        token
          ? `the projector at ${this.url} refused the API token: SLIPWAY_API_TOKEN (or SLIPWAY_API_TOKEN_FILE) is not the one it has`
          : `the projector at ${this.url} wants its API token: set SLIPWAY_API_TOKEN (or SLIPWAY_API_TOKEN_FILE)`,
      );
    }
    return res;
  }

  /** A JSON answer; any status but 2xx becomes the error `refusal` makes of it. */
  async json<T = unknown>(method: "GET" | "POST", path: string, o: RequestOptions = {}): Promise<{ body: T; headers: Headers; status: number }> {
    const res = await this.request(method, path, o);
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch {
      if (res.ok) throw new FailedError(`${method} ${path} answered ${res.status} with something that is not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) throw refusal(this.url, method, path, res.status, body);
    return { body: body as T, headers: res.headers, status: res.status };
  }
}

/**
 * The error for a non-2xx answer. A 400 is about what we sent, i.e. the arguments (exit 2); a
 * 404 `NOT_FOUND` is a route the projector lacks, i.e. an older projector (exit 2); the rest is
 * the system saying no (exit 1).
 */
export function refusal(url: string, method: string, path: string, status: number, body: unknown): UsageError | FailedError {
  const p = apiProblem(body, status);
  if (status === 400) return new UsageError(p.message);
  if (status === 404 && p.code === "NOT_FOUND") return new UsageError(`the projector at ${url} has no route ${method} ${path.split("?")[0]}: is it older than this command line?`);
  return new FailedError(`${p.message}${p.code ? ` (${status} ${p.code})` : ` (${status})`}`);
}
