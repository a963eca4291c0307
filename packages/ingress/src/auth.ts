import type { FastifyReply, FastifyRequest } from "fastify";
import { bearerAuth } from "@slipway/service-kit";
import { ControlErrorCode, controlFailure } from "./replies.js";

/**
 * The `onRequest` hook of the control routes: runs before the body is even parsed. No token
 * configured: 503 and nothing else; a missing or wrong token: 401 (the shared bearer check,
 * constant-time, never logging or echoing a token).
 */
export function requireApiToken(apiToken: string | null) {
  if (apiToken === null) {
    return async (_req: FastifyRequest, reply: FastifyReply) =>
      reply.code(503).send(controlFailure(ControlErrorCode.ApiDisabled, "the build control API is off: set SLIPWAY_API_TOKEN (or SLIPWAY_API_TOKEN_FILE) on ingress"));
  }
  return bearerAuth({ token: apiToken, refuse: (reply: FastifyReply, message) => reply.code(401).send(controlFailure(ControlErrorCode.Unauthorized, message)) });
}
