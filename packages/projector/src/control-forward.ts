import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { OpenRoute } from "@slipway/service-kit";
import type { ApiErrorCode } from "./app.js";

/**
 * The build control API (`POST /builds`, `/builds/:id/retry`, `/builds/:id/cancel`) through the
 * projector's own origin: browsers refuse port 6000 (a "bad port" of the Fetch standard, Node's
 * fetch too), so the dashboard cannot call ingress directly. Each request goes to ingress as it
 * came (its body streamed, not parsed; `Content-Type`, `Authorization`, `X-Slipway-User`) and
 * ingress's status and body come back unchanged: ingress checks the token and answers in its own
 * shape, so a client sees the same answers on either port. undici has no bad-port list; it is
 * loaded on the first forwarded request, not at start (~100 ms of module loading, for routes a
 * dashboard user clicks now and then, is most of what a restart would wait on).
 */
export type ControlForwardOptions = {
  /** Ingress's base URL (`SLIPWAY_INGRESS_URL`), e.g. `http://127.0.0.1:6000`. */
  ingressUrl: string;
  /** How long ingress may take to answer; default 30 s. */
  timeoutMs?: number;
};

/** The routes forwarded, open in the projector's token check: ingress checks the token itself. */
export const FORWARDED_ROUTES: readonly OpenRoute[] = [
  { method: "POST", url: "/builds" },
  { method: "POST", url: "/builds/:id/retry" },
  { method: "POST", url: "/builds/:id/cancel" },
];

/** Request headers passed to ingress; no cookie or anything else the browser adds. */
const PASSED_REQUEST_HEADERS = ["host", "content-type", "content-length", "authorization", "x-slipway-user", "accept", "user-agent"];
/** Hop-by-hop headers of ingress's answer: this connection sets its own. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"]);

const DEFAULT_TIMEOUT_MS = 30_000;

type Undici = typeof import("undici");
let undici: Promise<Undici> | undefined;
const loadUndici = () => (undici ??= import("undici"));

export async function controlForward(app: FastifyInstance, o: ControlForwardOptions): Promise<void> {
  const ingress = new URL(o.ingressUrl).origin;
  const timeout = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  // The body stays a stream, sent on as it comes: the projector neither parses nor buffers it, and
  // ingress answers a bad one (not JSON, too big, wrong type) as it would directly.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, payload, done) => {
    // Through a stream of its own: when ingress cannot be reached, undici destroys the body it was
    // given, which must not be the client's request (its socket would go, and the 502 with it).
    const body = new PassThrough();
    body.on("error", () => undefined);
    payload.pipe(body);
    done(null, body);
  });

  const unavailable = (reply: FastifyReply, err: Error) => {
    const cause = err.cause instanceof Error ? err.cause : err;
    const timedOut = /timeout/i.test(`${err.name} ${err.message} ${"code" in cause ? String(cause.code) : ""}`);
    const code: ApiErrorCode = "INGRESS_UNAVAILABLE";
    const message = timedOut
      ? `ingress at ${ingress} did not answer in time; the request may or may not have been done: look at the builds before trying again`
      : `ingress at ${ingress} is unreachable (${cause.message}): nothing was done; start ingress, or set SLIPWAY_INGRESS_URL on the projector`;
    reply.request.log.warn({ err: cause, ingress }, "control request not forwarded");
    return reply.code(502).send({ error: { code, message } });
  };
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const { request: send } = await loadUndici();
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => PASSED_REQUEST_HEADERS.includes(name))) as Record<string, string>;
    try {
      const answer = await send(`${ingress}${request.url}`, {
        method: "POST",
        headers,
        body: (request.body as PassThrough | undefined) ?? null,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) reply.header(name, value);
      return reply.code(answer.statusCode).send(answer.body);
    } catch (err) {
      return unavailable(reply, err as Error);
    }
  };

  app.post("/builds", forward);
  app.post("/builds/:id/retry", forward);
  app.post("/builds/:id/cancel", forward);
}
