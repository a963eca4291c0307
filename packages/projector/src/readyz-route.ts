import type { FastifyInstance } from "fastify";
import type { Readiness } from "./readiness.js";

/** Seconds a client is asked to wait after a 503 (`Retry-After`). */
export const READY_RETRY_AFTER_SECONDS = 5;

export type ReadyzRouteOptions = { readiness: () => Promise<Readiness> };

/**
 * `GET /readyz`: 200 when the projector is caught up (see `judgeLag`), else 503 with
 * `Retry-After`; either way the body says how far each durable is behind.
 */
export async function readyzRoute(app: FastifyInstance, { readiness }: ReadyzRouteOptions): Promise<void> {
  app.get("/readyz", async (_request, reply) => {
    const answer = await readiness();
    if (answer.status !== "ready") reply.code(503).header("retry-after", String(READY_RETRY_AFTER_SECONDS));
    return answer;
  });
}
