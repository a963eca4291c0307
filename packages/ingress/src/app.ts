import Fastify from "fastify";
import { newId, type WebhookReceived } from "@slipway/events";
import type { Logger } from "@slipway/service-kit";
import type { IngressConfig } from "./config.js";
import { controlRoutes } from "./control-routes.js";
import { noControlStore, type ControlStore } from "./control-store.js";
import { parsePush } from "./push-payload.js";
import { failure, HOOK_SUCCESSFUL, ignored } from "./replies.js";
import { isValidSignature } from "./signature.js";

export type AppOptions = {
  config: IngressConfig;
  logger: Logger;
  /** Persists the event; resolves only once JetStream acknowledged it. */
  accept: (event: WebhookReceived) => Promise<void>;
  /**
   * What the build control API (`POST /builds...`) reads and publishes; omitted = every store call
   * fails and those routes answer 503 (the hook's own tests need none).
   */
  control?: ControlStore;
};

const DELIVERY_ID = /^[A-Za-z0-9._-]{1,100}$/;

export function buildApp({ config, logger, accept, control = noControlStore }: AppOptions) {
  const app = Fastify({ loggerInstance: logger, bodyLimit: config.bodyLimitBytes });

  // JSON only (GitHub's default content type); anything else is a 415, not a half-parsed body.
  app.removeAllContentTypeParsers();
  // Keep the raw body: the signature is over the bytes GitHub sent, not over re-serialised JSON.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, { raw: body, json: JSON.parse(String(body)) as unknown });
    } catch {
      done(Object.assign(new Error("body is not valid JSON"), { statusCode: 400 }), undefined);
    }
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, "hook failed");
    return reply.code(status).send(failure(status === 500 ? "internal error" : err.message));
  });

  app.get("/healthz", async () => ({ status: "ok" }));
  // Its own plugin: the bearer-token hook and the error codes apply to these routes only.
  app.register(controlRoutes, { config, store: control });

  app.post("/hook", async (req, reply) => {
    const body = req.body as { raw: string; json: unknown } | undefined;
    if (!body) return reply.code(415).send(failure("send the payload as Content-Type: application/json"));

    if (config.webhookSecret) {
      const valid = await isValidSignature(config.webhookSecret, body.raw, req.headers["x-hub-signature-256"] as string | undefined);
      if (!valid) return reply.code(401).send(failure("missing or invalid X-Hub-Signature-256"));
    }

    const githubEvent = req.headers["x-github-event"];
    if (githubEvent === "ping") return reply.send({ ...ignored("pong"), status: "success" });
    if (githubEvent !== undefined && githubEvent !== "push") {
      return reply.code(202).send(ignored(`event ${JSON.stringify(githubEvent)} is not built; only push is`));
    }

    const deliveryHeader = req.headers["x-github-delivery"];
    if (deliveryHeader !== undefined && (typeof deliveryHeader !== "string" || !DELIVERY_ID.test(deliveryHeader))) {
      return reply.code(400).send(failure("X-GitHub-Delivery must be 1-100 characters of [A-Za-z0-9._-]"));
    }

    const push = parsePush(body.json);
    if (!push.ok) return reply.code(400).send(failure(push.message));
    if (push.deleted) return reply.code(202).send(ignored(`${push.data.ref} was deleted: nothing to build`));
    if (config.allowedRepos && !config.allowedRepos.allows(push.data.repo)) {
      return reply.code(403).send(failure(`repository ${push.data.repo.key} is not in SLIPWAY_ALLOWED_REPOS`));
    }

    const event: WebhookReceived = {
      ...push.data,
      deliveryId: deliveryHeader ?? newId(),
      source: githubEvent === "push" ? "push" : "manual",
    };
    try {
      await accept(event);
    } catch (err) {
      req.log.error({ err, deliveryId: event.deliveryId }, "webhook not stored");
      return reply.code(503).send(failure("event store unavailable: the hook was not accepted, retry later"));
    }
    req.log.info({ deliveryId: event.deliveryId, repo: event.repo.key, ref: event.ref }, "webhook accepted");
    return reply.send(HOOK_SUCCESSFUL);
  });

  return app;
}
