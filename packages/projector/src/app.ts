import { open } from "node:fs/promises";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from "fastify";
import { bearerAuth } from "@slipway/service-kit";
import { OPEN_ROUTES } from "./access.js";
import { logPath } from "./log-writer.js";
import type { ReadModelAccessor } from "./projection-state.js";
import { deliveryDetail } from "./delivery-detail.js";
import { parseBuildListQuery, parseDeliveryListQuery, parseRecordQuery, parseRepoQuery, type AsOf } from "./list-query.js";
import { DIGEST, provenanceRecords, withChains, type EventAt } from "./provenance.js";
import type { ReplayJob } from "./replay-job.js";
import type { Readiness } from "./readiness.js";
import { readyzRoute } from "./readyz-route.js";
import { sseRoutes, type SseRoutesOptions } from "./sse-routes.js";
import { isNoEntry } from "./files.js";
import { controlForward, FORWARDED_ROUTES, type ControlForwardOptions } from "./control-forward.js";
import { DASHBOARD_ROUTES, dashboardRoutes, type DashboardRoutesOptions } from "./dashboard-routes.js";
import { parseByteRange } from "./log-range.js";

/** Stable error codes of the HTTP API; the body is always `{ error: { code, message } }`. */
export const ApiErrorCode = {
  BadRequest: "BAD_REQUEST",
  BuildNotFound: "BUILD_NOT_FOUND",
  DeliveryNotFound: "DELIVERY_NOT_FOUND",
  ImageNotFound: "IMAGE_NOT_FOUND",
  ReplayRunning: "REPLAY_RUNNING",
  LogNotFound: "LOG_NOT_FOUND",
  RangeNotSatisfiable: "RANGE_NOT_SATISFIABLE",
  NotFound: "NOT_FOUND",
  Unauthorized: "UNAUTHORIZED",
  Internal: "INTERNAL",
  IngressUnavailable: "INGRESS_UNAVAILABLE",
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
  /** Reads an event from CI_EVENTS, for `GET /provenance`'s chains; omitted = chains without the events (tests). */
  eventAt?: EventAt;
  /** Rebuilds the view from the stream (`POST /replay`, `GET /replay`); omitted = no such routes. */
  replay?: Pick<ReplayJob, "start" | "status">;
  /** The web dashboard (`GET /`, `/assets/*`), open without the token; omitted = none (tests). */
  dashboard?: DashboardRoutesOptions;
  /** Forwards the build control API (`POST /builds`, retry, cancel) to ingress; omitted = none (tests). */
  control?: ControlForwardOptions;
};

/** Lists are sent as the JSON the view keeps (view-queries.ts). */
const JSON_TYPE = "application/json; charset=utf-8";

/** The header that tells which stream sequence an `asOf` answer reflects. */
export const AS_OF_HEADER = "slipway-as-of-seq";

function sendError(reply: FastifyReply, status: number, code: ApiErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/** Builds the read API; `main.ts` listens, tests call `app.inject()`. */
export function buildApp(options: AppOptions): FastifyInstance {
  const { readModel, logsDir } = options;
  /** Reads the view now, or as of a point: that point's sequence goes out in a header. */
  const read = <T>(reply: FastifyReply, asOf: AsOf | null, fn: Parameters<typeof readModel.read<T>>[0]): T => {
    if (asOf === null) return readModel.read(fn);
    const seq = Math.min("seq" in asOf ? asOf.seq : readModel.sequenceAt(asOf.timeMs), readModel.checkpoint());
    reply.header(AS_OF_HEADER, String(seq));
    return readModel.read(fn, seq);
  };
  // One log line per request would drown the service's own logs; failures are logged below.
  const app = Fastify({ loggerInstance: options.logger, logController: new LogController({ disableRequestLogging: true }) });
  // First, so that it covers every route registered after it, plugins and 404s included.
  if (options.apiToken) {
    // The page holds no data; ingress checks the token of the control routes itself.
    const open = [...OPEN_ROUTES, ...(options.dashboard ? DASHBOARD_ROUTES : []), ...(options.control ? FORWARDED_ROUTES : [])];
    app.addHook("onRequest", bearerAuth({ token: options.apiToken, open, refuse: (reply: FastifyReply, message) => sendError(reply, 401, ApiErrorCode.Unauthorized, message) }));
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
  if (options.dashboard) app.register(dashboardRoutes, options.dashboard);
  if (options.control) app.register(controlForward, options.control);

  app.get("/builds", async (request, reply) => {
    const q = parseBuildListQuery(request.query);
    if (!q.ok) return sendError(reply, 400, ApiErrorCode.BadRequest, q.message);
    return reply.type(JSON_TYPE).send(read(reply, q.value.asOf, (view) => view.queries.listBuildsJson(q.value)));
  });

  app.get<{ Params: { id: string } }>("/builds/:id", async (request, reply) => {
    const q = parseRecordQuery(request.query);
    if (!q.ok) return sendError(reply, 400, ApiErrorCode.BadRequest, q.message);
    const build = read(reply, q.value.asOf, (view) => view.getBuild(request.params.id));
    if (!build) return sendError(reply, 404, ApiErrorCode.BuildNotFound, `no build ${JSON.stringify(request.params.id)}${q.value.asOf ? " at that point" : ""}`);
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
    // A page shows a long log's tail and fetches earlier parts on demand (log-range.ts).
    const handle = file;
    const size = await handle.stat().then((s) => s.size, async (err: unknown) => {
      await handle.close();
      throw err;
    });
    const range = parseByteRange(request.headers.range, size);
    reply.header("accept-ranges", "bytes");
    if (range.kind === "unsatisfiable") {
      await file.close();
      return sendError(reply.header("content-range", `bytes */${size}`), 416, ApiErrorCode.RangeNotSatisfiable, `the log has ${size} bytes`);
    }
    reply.type("text/plain; charset=utf-8");
    if (range.kind === "part") return reply.code(206).header("content-range", `bytes ${range.start}-${range.end}/${size}`).send(file.createReadStream({ start: range.start, end: range.end }));
    return reply.send(file.createReadStream());
  });

  app.get("/deliveries", async (request, reply) => {
    const q = parseDeliveryListQuery(request.query);
    if (!q.ok) return sendError(reply, 400, ApiErrorCode.BadRequest, q.message);
    return reply.type(JSON_TYPE).send(read(reply, q.value.asOf, (view) => view.queries.listDeliveriesJson(q.value)));
  });

  app.get<{ Params: { id: string } }>("/deliveries/:id", async (request, reply) => {
    const q = parseRecordQuery(request.query);
    if (!q.ok) return sendError(reply, 400, ApiErrorCode.BadRequest, q.message);
    const detail = read(reply, q.value.asOf, (view) => deliveryDetail(view, request.params.id));
    if (!detail) return sendError(reply, 404, ApiErrorCode.DeliveryNotFound, `no delivery ${JSON.stringify(request.params.id)}${q.value.asOf ? " at that point" : ""}`);
    return detail;
  });

  app.get("/repos", async (request, reply) => {
    const q = parseRepoQuery(request.query);
    if (!q.ok) return sendError(reply, 400, ApiErrorCode.BadRequest, q.message);
    return read(reply, q.value.asOf, (view) => view.queries.listRepos(q.value));
  });

  app.get<{ Querystring: Record<string, unknown> }>("/provenance", async (request, reply) => {
    const { image, digest, ...rest } = request.query;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) return sendError(reply, 400, ApiErrorCode.BadRequest, `unknown query parameter ${JSON.stringify(extra)}; this route takes image, digest`);
    if (typeof image !== "string" || image === "" || image.length > 512) return sendError(reply, 400, ApiErrorCode.BadRequest, "image must be given once: the image name, e.g. registry:5000/name (a :tag is ignored)");
    if (typeof digest !== "string" || !DIGEST.test(digest)) return sendError(reply, 400, ApiErrorCode.BadRequest, "digest must be given once, as sha256:<64 lowercase hex digits>");
    const records = readModel.read((view) => provenanceRecords(view, image, digest));
    if (records.length === 0) return sendError(reply, 404, ApiErrorCode.ImageNotFound, `no build pushed ${image}@${digest}`);
    return withChains(image, digest, records, options.eventAt ?? (async () => null));
  });

  const replay = options.replay;
  if (replay) {
    app.get("/replay", async () => replay.status());
    app.post("/replay", async (_request, reply) => {
      const started = replay.start();
      if (started === null) return sendError(reply, 409, ApiErrorCode.ReplayRunning, "a replay is running already: follow it with GET /replay");
      return reply.code(202).send(started);
    });
  }

  return app;
}
