import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import { eventIds, retryBuildIdFor, SlipwayError, type BuildQueued, type WebhookReceived } from "@slipway/events";
import { requireApiToken } from "./auth.js";
import { CancelBuildBody, checkBody, CreateBuildBody, parseBuildId, parseCaller, parseRef, parseRepo, parseSha } from "./build-request.js";
import type { IngressConfig } from "./config.js";
import type { ControlStore } from "./control-store.js";
import { accepted, ControlErrorCode, controlFailure } from "./replies.js";

export type ControlRoutesOptions = {
  config: Pick<IngressConfig, "apiToken" | "allowedRepos">;
  store: ControlStore;
};

/** Control bodies are a few fields: far below the 25 MB a push payload may have. */
const BODY_LIMIT = 64 * 1024;

/** The store did not answer or acknowledge: nothing was done, the caller may retry. */
export class StoreUnavailableError extends SlipwayError {
  override name = "StoreUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(ControlErrorCode.StoreUnavailable, message, options);
  }
}


/** A store call whose failure means "event store unavailable" (503); decode errors stay what they are. */
async function fromStore<T>(work: Promise<T>, what: string): Promise<T> {
  try {
    return await work;
  } catch (cause) {
    if (cause instanceof SlipwayError) throw cause;
    throw new StoreUnavailableError(`event store unavailable: could not ${what}; nothing was done, retry later`, { cause });
  }
}

const badRequest = (reply: FastifyReply, message: string) => reply.code(400).send(controlFailure(ControlErrorCode.InvalidRequest, message));

type IdParams = { Params: { id: string } };

/**
 * The build control API (write side): request a build, retry one, cancel one. Each route turns an
 * authenticated request into one event and answers 202 once JetStream stored it; what follows
 * (git-sync, builders) is asynchronous and visible on the projector. Registered as an encapsulated
 * plugin, so its auth hook and error shape apply to these routes only, not to `/hook`.
 */
export async function controlRoutes(app: FastifyInstance, { config, store }: ControlRoutesOptions): Promise<void> {
  app.addHook("onRequest", requireApiToken(config.apiToken));

  // Plain JSON (no raw copy: nothing is signed here); an empty body is no body, so
  // `curl -X POST -H 'Content-Type: application/json' .../retry` works without `-d '{}'`.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(Object.assign(new Error("body is not valid JSON"), { statusCode: 400 }), undefined);
    }
  });

  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    if (err instanceof StoreUnavailableError) {
      req.log.error({ err }, "control request not stored");
      return reply.code(503).send(controlFailure(ControlErrorCode.StoreUnavailable, err.message));
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      req.log.error({ err }, "control request failed");
      return reply.code(500).send(controlFailure(ControlErrorCode.Internal, "internal error"));
    }
    const code = status === 415 ? ControlErrorCode.UnsupportedMediaType : ControlErrorCode.InvalidRequest;
    return reply.code(status).send(controlFailure(code, status === 415 ? "send the body as Content-Type: application/json" : err.message));
  });

  app.post("/builds", { bodyLimit: BODY_LIMIT }, async (req, reply) => {
    const caller = parseCaller(req.headers["x-slipway-user"]);
    if (!caller.ok) return badRequest(reply, caller.message);
    const json: unknown = req.body;
    if (json === undefined) return badRequest(reply, 'send {"repo": "owner/name", "ref": "main", "sha"?: "<40 hex>"} as JSON');
    const body = checkBody(CreateBuildBody, json);
    if (!body.ok) return badRequest(reply, body.message);
    const repo = parseRepo(body.value.repo);
    if (!repo.ok) return badRequest(reply, repo.message);
    const ref = parseRef(body.value.ref);
    if (!ref.ok) return badRequest(reply, ref.message);
    const sha = body.value.sha === undefined ? null : parseSha(body.value.sha);
    if (sha && !sha.ok) return badRequest(reply, sha.message);
    if (config.allowedRepos && !config.allowedRepos.allows(repo.value)) {
      return reply.code(403).send(controlFailure(ControlErrorCode.RepoNotAllowed, `repository ${repo.value.key} is not in SLIPWAY_ALLOWED_REPOS`));
    }

    const deliveryId = `manual-${randomUUID()}`;
    const data: WebhookReceived = {
      deliveryId,
      source: "manual",
      repo: repo.value,
      ref: ref.value.ref,
      branch: ref.value.branch,
      // "" = the tip of ref, as for a push payload without a commit.
      requestedSha: sha?.value ?? "",
      defaultBranch: null,
      pusher: caller.value,
    };
    await fromStore(store.publish("WebhookReceived", data, { id: eventIds.webhookReceived(deliveryId), correlationId: deliveryId, causationId: null }), "store WebhookReceived");
    req.log.info({ deliveryId, repo: data.repo.key, ref: data.ref, requestedBy: caller.value }, "build requested");
    return reply.code(202).send(accepted(`build of ${data.repo.key} ${data.ref} requested`, { deliveryId, repo: data.repo.key, ref: data.ref, sha: sha?.value ?? null }));
  });

  app.post<IdParams>("/builds/:id/retry", { bodyLimit: BODY_LIMIT }, async (req, reply) => {
    const id = parseBuildId(req.params.id);
    if (!id.ok) return badRequest(reply, id.message);
    const caller = parseCaller(req.headers["x-slipway-user"]);
    if (!caller.ok) return badRequest(reply, caller.message);
    const old = await fromStore(store.queued(id.value), `read build ${id.value}`);
    if (!old) return reply.code(404).send(controlFailure(ControlErrorCode.BuildNotFound, `no build ${id.value}`));
    // Retrying a build that may still push would race two builds for the same tags.
    const verdict = await fromStore(store.terminal(id.value), `read build ${id.value}`);
    if (!verdict) {
      return reply.code(409).send(controlFailure(ControlErrorCode.BuildRunning, `build ${id.value} is still running (no verdict yet): wait for it or cancel it first`));
    }

    const requestId = randomUUID();
    const buildId = retryBuildIdFor(id.value, requestId);
    // Same commit, Dockerfile, image, tags, number, context and source: only the id and who asked change.
    const data: BuildQueued = { ...old.data, buildId, retryOf: id.value, requestedBy: caller.value };
    // Correlated with the original delivery, so the retry shows up with its webhook.
    await fromStore(store.publish("BuildQueued", data, { id: eventIds.buildQueued(buildId), correlationId: old.correlationId, causationId: old.id }), "store BuildQueued");
    req.log.info({ buildId, retryOf: id.value, requestedBy: caller.value }, "build retried");
    return reply.code(202).send(accepted(`build ${id.value} (${verdict}) queued again as ${buildId}`, { buildId, retryOf: id.value, deliveryId: data.deliveryId }));
  });

  app.post<IdParams>("/builds/:id/cancel", { bodyLimit: BODY_LIMIT }, async (req, reply) => {
    const id = parseBuildId(req.params.id);
    if (!id.ok) return badRequest(reply, id.message);
    const caller = parseCaller(req.headers["x-slipway-user"]);
    if (!caller.ok) return badRequest(reply, caller.message);
    const json: unknown = req.body;
    const body = json === undefined ? { ok: true as const, value: {} } : checkBody(CancelBuildBody, json);
    if (!body.ok) return badRequest(reply, body.message);
    const old = await fromStore(store.queued(id.value), `read build ${id.value}`);
    if (!old) return reply.code(404).send(controlFailure(ControlErrorCode.BuildNotFound, `no build ${id.value}`));
    const verdict = await fromStore(store.terminal(id.value), `read build ${id.value}`);
    if (verdict) return reply.code(409).send(controlFailure(ControlErrorCode.BuildFinished, `build ${id.value} already ${verdict}: nothing to cancel`));

    // Each request is its own fact (two presses, two events); the builder acts on the first.
    const requestId = randomUUID();
    const data = { buildId: id.value, requestedBy: caller.value, reason: body.value.reason ?? "" };
    await fromStore(
      store.publish("BuildCancelRequested", data, { id: eventIds.cancelRequested(id.value, requestId), correlationId: old.correlationId, causationId: old.id }),
      "store BuildCancelRequested",
    );
    req.log.info({ buildId: id.value, requestedBy: caller.value }, "build cancel requested");
    return reply.code(202).send(accepted(`cancel of build ${id.value} requested`, { buildId: id.value, requestId }));
  });
}
