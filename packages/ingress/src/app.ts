import Fastify, { LogController, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "@slipway/service-kit";
import { BodyBudget } from "./body-budget.js";
import type { IngressConfig } from "./config.js";
import { controlRoutes } from "./control-routes.js";
import { noControlStore, type ControlStore } from "./control-store.js";
import { HOOK_CONTENT_TYPES, type RawHookBody } from "./hook-body.js";
import { hookRoute, type HookStore } from "./hook-route.js";
import { failure } from "./replies.js";

export type AppOptions = {
  config: IngressConfig;
  logger: Logger;
  /** Persists hook events; each call resolves only once JetStream acknowledged the event. */
  store: HookStore;
  /** Why the service cannot take hooks now (NATS down, stream unreachable), or null when it can. */
  notReady?: () => Promise<string | null>;
  /**
   * What the build control API (`POST /builds...`) reads and publishes; omitted = every store call
   * fails and those routes answer 503 (the hook's own tests need none).
   */
  control?: ControlStore;
};

const requestLine = (req: FastifyRequest, reply: FastifyReply) => ({ method: req.method, url: req.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) });

/** Seconds a client is asked to wait after a 503 (`Retry-After`): NATS reconnects within seconds. */
export const RETRY_AFTER_SECONDS = 5;

export function buildApp({ config, logger, store, notReady = async () => null, control = noControlStore }: AppOptions) {
  const app = Fastify({
    loggerInstance: logger,
    // Fastify's two lines per request cost more CPU than the rest of a hook; one line per
    // outcome is written below and by the routes.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (its reqId binding): the routes log what identifies a hook,
    // its delivery id, and a child per request was a measurable share of a hook's CPU.
    childLoggerFactory: (logger) => logger,
    bodyLimit: config.bodyLimitBytes,
    // Slow or stalled clients must not hold a connection (and its buffered body) for long.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.idleTimeoutMs,
    // Node checks these deadlines every `connectionsCheckingInterval` (30 s by default).
    http: { headersTimeout: config.headersTimeoutMs, connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs) },
  });
  const budget = new BodyBudget(config.bodiesInFlightBytes);

  // The hooks run on every request: callback style, which costs fastify less than async ones.
  app.addHook("onRequest", (req, reply, done) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    const bytes = req.headers["transfer-encoding"] !== undefined ? config.bodyLimitBytes : Math.min(declared || 0, config.bodyLimitBytes);
    if (bytes === 0) return done();
    const release = budget.reserve(bytes);
    if (!release) {
      req.log.warn({ inFlightBytes: budget.inFlightBytes, bytes }, "too many request bodies in flight: answered 503");
      return reply.code(503).send(failure("too many requests in flight: retry later"));
    }
    // The response's close fires once, whether it was sent, timed out or the client went away.
    reply.raw.once("close", release);
    done();
  });
  app.addHook("onResponse", (req, reply, done) => {
    if (reply.statusCode >= 400) req.log.info(requestLine(req, reply), "request refused");
    else if (req.log.level === "debug" || req.log.level === "trace") req.log.debug(requestLine(req, reply), "request done");
    done();
  });
  // Every 503 is temporary: say when to come back.
  app.addHook("onSend", (_req, reply, payload, done) => {
    if (reply.statusCode === 503 && !reply.hasHeader("retry-after")) reply.header("retry-after", String(RETRY_AFTER_SECONDS));
    done(null, payload);
  });

  // Only GitHub's two webhook content types; anything else is a 415. The body stays text as
  // received: the signature is over what was sent, and JSON is parsed only after it was checked.
  app.removeAllContentTypeParsers();
  for (const type of HOOK_CONTENT_TYPES) {
    app.addContentTypeParser(type, { parseAs: "string" }, (_req, text, done) => done(null, { text: text as string, type } satisfies RawHookBody));
  }
  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 && err.statusCode !== 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, "request failed");
    return reply.code(status).send(failure(status === 500 ? "internal error" : err.message));
  });

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const problem = await notReady();
    if (problem) return reply.code(503).send({ status: "unavailable", message: problem });
    return { status: "ready" };
  });
  // Their own plugins: the bearer-token hook and the error codes apply to the control routes only.
  app.register(controlRoutes, { config, store: control });
  app.register(hookRoute, { config, store });
  return app;
}
