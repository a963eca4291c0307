import type { FastifyInstance } from "fastify";
import { newId, type WebhookIgnored, type WebhookReceived } from "@slipway/events";
import type { IngressConfig } from "./config.js";
import { whyIgnored } from "./filters.js";
import { decodeHookBody, type RawHookBody } from "./hook-body.js";
import { parsePush } from "./push-payload.js";
import { failure, HOOK_SUCCESSFUL, ignored } from "./replies.js";
import { isValidSignature } from "./signature.js";

/** Where hook events go; each call resolves once JetStream acknowledged the event. */
export type HookStore = {
  received(event: WebhookReceived): Promise<void>;
  ignored(event: WebhookIgnored): Promise<void>;
};

export type HookRouteOptions = {
  config: Pick<IngressConfig, "webhookSecrets" | "allowedRepos" | "branches" | "buildTags" | "tags">;
  store: HookStore;
};

const DELIVERY_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * `POST /hook`: GitHub's webhook. Cheap checks first (signature over the raw bytes, then headers),
 * JSON only after that; a push is answered 2xx only once its event is stored, so an accepted hook
 * is never lost, and a 4xx stores nothing.
 */
export async function hookRoute(app: FastifyInstance, { config, store }: HookRouteOptions): Promise<void> {
  app.post("/hook", async (req, reply) => {
    const body = req.body as RawHookBody | undefined;
    if (!body && req.headers["content-type"] === undefined) {
      return reply.code(415).send(failure("send the payload as Content-Type: application/json or application/x-www-form-urlencoded"));
    }
    if (!body || body.text.length === 0) return reply.code(400).send(failure("the body is empty: send the push payload"));
    if (config.webhookSecrets.length > 0 && !(await isValidSignature(config.webhookSecrets, body.text, req.headers["x-hub-signature-256"]))) {
      return reply.code(401).send(failure("missing or invalid X-Hub-Signature-256"));
    }

    const githubEvent = req.headers["x-github-event"];
    if (githubEvent !== undefined && typeof githubEvent !== "string") return reply.code(400).send(failure("X-GitHub-Event must be sent once"));
    if (githubEvent === "ping") return reply.send({ ...ignored("pong"), status: "success" });
    if (githubEvent !== undefined && githubEvent !== "push") {
      return reply.code(202).send(ignored(`event ${JSON.stringify(githubEvent.slice(0, 100))} is not built; only push is`));
    }
    const deliveryHeader = req.headers["x-github-delivery"];
    if (deliveryHeader !== undefined && (typeof deliveryHeader !== "string" || !DELIVERY_ID.test(deliveryHeader))) {
      return reply.code(400).send(failure("X-GitHub-Delivery must be 1-100 characters of [A-Za-z0-9._-]"));
    }

    const decoded = decodeHookBody(body);
    if (!decoded.ok) return reply.code(400).send(failure(decoded.message));
    const push = parsePush(decoded.payload);
    if (!push.ok) return reply.code(400).send(failure(push.message));
    if (config.allowedRepos && !config.allowedRepos.allows(push.data.repo)) {
      return reply.code(403).send(failure(`repository ${push.data.repo.key} is not in SLIPWAY_ALLOWED_REPOS`));
    }

    const deliveryId = deliveryHeader ?? newId();
    const source = githubEvent === "push" ? "push" : "manual";
    const skip = whyIgnored(push, config);
    try {
      if (skip) {
        const { defaultBranch: _unused, ...fields } = push.data;
        await store.ignored({ ...fields, deliveryId, source, ...skip });
      } else {
        // Listed, not spread: a spread that adds keys costs V8 ~3 us, on every hook.
        const { repo, ref, branch, requestedSha, defaultBranch, pusher } = push.data;
        await store.received({ repo, ref, branch, requestedSha, defaultBranch, pusher, deliveryId, source });
      }
    } catch (err) {
      req.log.error({ err, deliveryId }, "webhook not stored");
      return reply.code(503).send(failure("event store unavailable: the hook was not accepted, retry later"));
    }
    if (skip) {
      req.log.info({ deliveryId, repo: push.data.repo.key, ref: push.data.ref, reason: skip.reason }, "webhook ignored");
      return reply.code(202).send(ignored(skip.message));
    }
    req.log.info({ deliveryId, repo: push.data.repo.key, ref: push.data.ref }, "webhook accepted");
    return reply.send(HOOK_SUCCESSFUL);
  });
}
