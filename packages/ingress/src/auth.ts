import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { ControlErrorCode, controlFailure } from "./replies.js";

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

/**
 * The `onRequest` hook of the control routes: runs before the body is even parsed. No token
 * configured: 503 and nothing else; a missing or wrong token: 401. The token is never logged or
 * echoed, and a wrong one is not either (it may be a near miss of the real one).
 */
export function requireApiToken(apiToken: string | null) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (apiToken === null) {
      return reply.code(503).send(controlFailure(ControlErrorCode.ApiDisabled, "the build control API is off: set SLIPWAY_API_TOKEN (or SLIPWAY_API_TOKEN_FILE) on ingress"));
    }
    const given = bearerToken(req.headers.authorization);
    if (given === null || !tokenMatches(apiToken, given)) {
      req.log.warn({ reason: given === null ? "no bearer token" : "wrong token" }, "control request refused");
      return reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="slipway"')
        .send(controlFailure(ControlErrorCode.Unauthorized, given === null ? "send Authorization: Bearer <SLIPWAY_API_TOKEN>" : "invalid API token"));
    }
    return undefined;
  };
}
