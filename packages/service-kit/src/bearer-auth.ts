import { createHash, timingSafeEqual } from "node:crypto";

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m?.[1] ?? null;
}

/**
 * Whether `given` is the configured token, in constant time: both sides are hashed first, so the
 * comparison neither stops at the first differing byte nor reveals the token's length.
 */
export function tokenMatches(expected: string, given: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/** Why a request was refused. */
export const BearerRefusal = {
  /** No `Authorization: Bearer` header. */
  Missing: "missing",
  /** A token that is not the configured one. */
  Wrong: "wrong",
} as const;
export type BearerRefusal = (typeof BearerRefusal)[keyof typeof BearerRefusal];

/**
 * What the hook reads of a request. Fastify's request fits; typed structurally so that services
 * without an HTTP server do not depend on Fastify through this package.
 */
export type BearerRequest = {
  method?: string;
  headers: { authorization?: string | undefined };
  /** The matched route's pattern (`/builds/:id`); undefined for a request that matched none. */
  routeOptions: { url?: string | undefined };
  log: { warn(obj: object, msg: string): void };
};

/**
 * A route that needs no token, by its pattern as registered: `/healthz` (any method); a pattern
 * ending in `*` opens every route registered under that prefix (`/assets/*` opens
 * `/assets/*` and `/assets/vendor/:name`); `{ method, url }` opens that method only (`POST
 * /builds` while `GET /builds` stays guarded).
 */
export type OpenRoute = string | { method: string; url: string };

export type BearerAuthOptions<Reply> = {
  /** The configured token (`SLIPWAY_API_TOKEN`). */
  token: string;
  /** Routes that need no token (probes: `/healthz`). */
  open?: readonly OpenRoute[];
  /**
   * Answers 401 in the service's own error shape and returns the reply (Fastify then stops the
   * request). `message` says what to send; it never contains a token.
   */
  refuse(reply: Reply, message: string, reason: BearerRefusal): unknown;
};

/**
 * An `onRequest` hook that requires `Authorization: Bearer <token>`: it runs before the body is
 * read, and covers unknown routes too (a 401 does not reveal which routes exist). A refusal is
 * logged with its reason only: the token given is never logged or echoed (it may be a near miss
 * of the real one).
 */
export function bearerAuth<Reply extends { header(name: string, value: string): unknown }>(
  options: BearerAuthOptions<Reply>,
): (req: BearerRequest, reply: Reply) => Promise<unknown> {
  const { token, refuse } = options;
  const isOpen = openRoutes(options.open ?? []);
  return async (req, reply) => {
    const route = req.routeOptions.url;
    if (route !== undefined && isOpen(req.method ?? "", route)) return undefined;
    const given = bearerToken(req.headers.authorization);
    if (given !== null && tokenMatches(token, given)) return undefined;
    const reason = given === null ? BearerRefusal.Missing : BearerRefusal.Wrong;
    req.log.warn({ reason: reason === BearerRefusal.Missing ? "no bearer token" : "wrong token" }, "request refused: no valid API token");
    reply.header("www-authenticate", 'Bearer realm="slipway"');
    return refuse(reply, reason === BearerRefusal.Missing ? "send Authorization: Bearer <SLIPWAY_API_TOKEN>" : "invalid API token", reason);
  };
}

/** Whether a request to a route pattern with a method needs no token; patterns only, never raw URLs. */
function openRoutes(entries: readonly OpenRoute[]): (method: string, route: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const byMethod = new Set<string>();
  for (const entry of entries) {
    if (typeof entry !== "string") byMethod.add(`${entry.method.toUpperCase()} ${entry.url}`);
    else if (entry.endsWith("*")) prefixes.push(entry.slice(0, -1));
    else exact.add(entry);
  }
  return (method, route) => exact.has(route) || byMethod.has(`${method.toUpperCase()} ${route}`) || prefixes.some((p) => route.startsWith(p));
}
