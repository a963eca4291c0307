import { fastifySSE } from "@fastify/sse";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { STREAM_EVENTS } from "@slipway/events";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ApiErrorCode } from "./app.js";
import { lookupBuild } from "./build-verdict.js";
import { parseEventFilter } from "./event-filter.js";
import { followEvents } from "./events-follow.js";
import { eventMessage, logMessages, parseResume } from "./live-messages.js";
import { LiveSessions } from "./live-session.js";
import { followLog } from "./log-follow.js";
import type { ReadModelAccessor } from "./projection-state.js";

export type SseRoutesOptions = {
  js: JetStreamClient;
  jsm: JetStreamManager;
  readModel: ReadModelAccessor;
  /** A comment line on every open stream this often, so that proxies keep idle streams open. */
  heartbeatMs?: number;
};

export const DEFAULT_HEARTBEAT_MS = 15_000;

const BUILD_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Data is always formatted here (text or JSON), so the library's serializer passes it through. */
const SSE_ROUTE = { kind: "manual", serializer: (data: unknown) => String(data) } as const;

function sendError(reply: FastifyReply, status: number, code: ApiErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

type Query = { Querystring: Record<string, unknown> };

/**
 * `GET /builds/:id/log/stream` and `GET /events/stream`, over Server-Sent Events, read from NATS
 * (ordered consumers, one per client, deleted when it leaves). Errors found before the stream
 * starts (bad position or filter, unknown build) are ordinary JSON errors; after that, the stream
 * just ends. Register it inside the app so that the app's hooks (the API token) cover it.
 */
export async function sseRoutes(app: FastifyInstance, o: SseRoutesOptions): Promise<void> {
  await app.register(fastifySSE, { heartbeatInterval: o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS });
  const sessions = new LiveSessions();
  // Before the server waits for its connections to end: open streams would never end by themselves.
  app.addHook("preClose", async () => sessions.abortAll());

  app.get<Query & { Params: { id: string } }>("/builds/:id/log/stream", { sse: SSE_ROUTE }, async (request, reply) => {
    const resume = parseResume(request.headers["last-event-id"], request.query);
    if (!resume.ok) return sendError(reply, 400, "BAD_REQUEST", resume.message);
    const buildId = request.params.id;
    const notFound = () => sendError(reply, 404, "BUILD_NOT_FOUND", `no build ${JSON.stringify(buildId)}`);
    if (!BUILD_ID.test(buildId)) return notFound();
    const lookup = await lookupBuild(o.jsm, buildId);
    if (!lookup.stored && o.readModel.read((view) => view.getBuild(buildId)) === undefined) return notFound();
    await sessions.run(request, reply, async (signal, send) => {
      let attempt = 0;
      for await (const item of followLog({ js: o.js, jsm: o.jsm, buildId, lookup, after: resume.after ?? 0, signal })) {
        const out = logMessages(item, attempt);
        attempt = out.attempt;
        for (const message of out.messages) if (!(await send(message))) return;
      }
    });
  });

  app.get<Query>("/events/stream", { sse: SSE_ROUTE }, async (request, reply) => {
    const resume = parseResume(request.headers["last-event-id"], request.query);
    if (!resume.ok) return sendError(reply, 400, "BAD_REQUEST", resume.message);
    const filter = parseEventFilter(request.query);
    if (!filter.ok) return sendError(reply, 400, "BAD_REQUEST", filter.message);
    // Fixed before the headers go out: an event stored once the client sees the stream open is in it.
    const after = resume.after ?? (await o.jsm.streams.info(STREAM_EVENTS)).state.last_seq;
    await sessions.run(request, reply, async (signal, send) => {
      for await (const { seq, event } of followEvents({ js: o.js, jsm: o.jsm, readModel: o.readModel, filter: filter.value, after, signal })) {
        if (!(await send(eventMessage(seq, event)))) return;
      }
    });
  });
}
