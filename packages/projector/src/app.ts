import { open } from "node:fs/promises";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from "fastify";
import { bearerAuth } from "@slipway/service-kit";
import { OPEN_ROUTES } from "./access.js";
import { logPath } from "./log-writer.js";
import type { ReadModelAccessor } from "./projection-state.js";
import { deliveryDetail } from "./delivery-detail.js";
import { parseBuildListQuery, parseDeliveryListQuery, parseRepoQuery } from "./list-query.js";
import { listBuilds, listDeliveries, type QuerySource } from "./queries.js";
import { listRepos } from "./repos-query.js";
import type { Readiness } from "./readiness.js";
import { readyzRoute } from "./readyz-route.js";
import { sseRoutes, type SseRoutesOptions } from "./sse-routes.js";
import { isNoEntry } from "./snapshot-store.js";

/** Stable error codes of the HTTP API; the body is always `{ error: { code, message } }`. */
export const ApiErrorCode = {
  BadRequest: "BAD_REQUEST",
  BuildNotFound: "BUILD_NOT_FOUND",
  DeliveryNotFound: "DELIVERY_NOT_FOUND",
  LogNotFound: "LOG_NOT_FOUND",
  NotFound: "NOT_FOUND",
  Unauthorized: "UNAUTHORIZED",
  Internal: "INTERNAL",
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

export type AppOptions = {
  readModel: ReadModelAccessor;
  logsDir: string;
  /** Request logging; omitted = none (tests). */
  logger?: FastifyBaseLogger;
  /** Token every route but `OPEN_ROUTES` requires (`Authorization: Bearer`); null or omitted = none. */
  apiToken?: string | null;
  /** How far the durables are behind, for `GET /readyz`; omitted = no such route (tests). */
  readiness?: () => Promise<Readiness>;
  /** NATS for the live routes (`/builds/:id/log/stream`, `/events/stream`); omitted = no such routes (tests). */
  live?: Omit<SseRoutesOptions, "readModel">;
};

function sendError(reply: FastifyReply, status: number, code: ApiErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/** Builds the read API; `main.ts` listens, tests call `app.inject()`. */
export function buildApp(options: AppOptions): FastifyInstance {
  const { readModel, logsDir } = options;
  const source = (): QuerySource => ({ model: readModel.model(), index: readModel.index() });
  // One log line per request would drown the service's own logs; failures are logged below.
  const app = Fastify({ loggerInstance: options.logger, logController: new LogController({ disableRequestLogging: true }) });
  // First, so that it covers every route registered after it, plugins and 404s included.
  if (options.apiToken) {
    app.addHook("onRequest", bearerAuth({ token: options.apiToken, open: OPEN_ROUTES, refuse: (reply: FastifyReply, message) => sendError(reply, 401, ApiErrorCode.Unauthorized, message) }));
  }

  app.setNotFoundHandler((request, reply) => sendError(reply, 404, ApiErrorCode.NotFound, `no route ${request.method} ${request.url}`));
  app.setErrorHandler((err, request, reply) => {
    const status = typeof err === "object" && err !== null && "statusCode" in err && typeof err.statusCode === "number" ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, "request failed");
      return sendError(reply, status, ApiErrorCode.Internal, "internal error");
    }
    return sendError(reply, status, ApiErrorCode.BadRequest, err instanceof Error ? err.message : "bad request");
  });

  app.get("/healthz", async () => ({ status: "ok", checkpoint: readModel.checkpoint() }));
  if (options.readiness) app.register(readyzRoute, { readiness: options.readiness });
  if (options.live) app.register(sseRoutes, { ...options.live, readModel });

  app.get("/builds", async (request, reply) => {
    const q = parseBuildListQuery(request.query);
    if (!q.ok) return sendError(reply, 400, ApiErrorCode.BadRequest, q.message);
    return listBuilds(source(), q.value);
  });

  app.get<{ Params: { id: string } }>("/builds/:id", async (request, reply) => {
    const build = readModel.model().builds.get(request.params.id);
    if (!build) return sendError(reply, 404, ApiErrorCode.BuildNotFound, `no build ${JSON.stringify(request.params.id)}`);
    return build;
  });

  app.get<{ Params: { id: string } }>("/builds/:id/log", async (request, reply) => {
    const path = logPath(logsDir, request.params.id);
    const notFound = () => sendError(reply, 404, ApiErrorCode.LogNotFound, `no log for build ${JSON.stringify(request.params.id)}`);
    if (path === null) return notFound();
    let file;
    try {
      file = await open(path, "r");
    } catch (err) {
      if (isNoEntry(err)) return notFound();
      throw err;
    }
    return reply.type("text/plain; charset=utf-8").send(file.createReadStream());
  });

  app.get("/deliveries", async (request, reply) => {
    const q = parseDeliveryListQuery(request.query);
    if (!q.ok) return sendError(reply, 400, ApiErrorCode.BadRequest, q.message);
    return listDeliveries(source(), q.value);
  });

  app.get<{ Params: { id: string } }>("/deliveries/:id", async (request, reply) => {
    const detail = deliveryDetail(source(), request.params.id);
    if (!detail) return sendError(reply, 404, ApiErrorCode.DeliveryNotFound, `no delivery ${JSON.stringify(request.params.id)}`);
    return detail;
  });

  app.get("/repos", async (request, reply) => {
    const q = parseRepoQuery(request.query);
    if (!q.ok) return sendError(reply, 400, ApiErrorCode.BadRequest, q.message);
    return listRepos(source(), q.value);
  });

  return app;
}
