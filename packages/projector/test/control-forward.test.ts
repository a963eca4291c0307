import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildApp } from "../src/app.js";
import { ProjectionState } from "../src/projection-state.js";

const TOKEN = "forward-t0ken-0123456789";

/** What the stand-in ingress received. */
type Seen = { method: string; url: string; headers: Record<string, unknown>; body: string };

/**
 * A stand-in for ingress: answers like the control API does (its own error shape, 202 with a
 * message), and records every request as received.
 */
async function fakeIngress(port = 0): Promise<{ app: FastifyInstance; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));
  app.addHook("preHandler", async (req) => {
    seen.push({ method: req.method, url: req.url, headers: { ...req.headers }, body: typeof req.body === "string" ? req.body : "" });
  });
  const refuse = (code: number, codeName: string, message: string) => ({ code, body: { status: "error", data: "", message, code: codeName } });
  app.post("/builds", async (req, reply) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      const r = refuse(401, "UNAUTHORIZED", "send Authorization: Bearer <SLIPWAY_API_TOKEN>");
      return reply.code(r.code).header("www-authenticate", 'Bearer realm="slipway"').send(r.body);
    }
    if (!String(req.headers["content-type"]).startsWith("application/json")) {
      const r = refuse(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as Content-Type: application/json");
      return reply.code(r.code).send(r.body);
    }
    return reply.code(202).send({ status: "accepted", message: "build of acme/shop refs/heads/main requested", deliveryId: "manual-1", repo: "acme/shop", ref: "refs/heads/main", sha: null });
  });
  app.post<{ Params: { id: string } }>("/builds/:id/retry", async (req, reply) => {
    const r = refuse(404, "BUILD_NOT_FOUND", `no build ${req.params.id}`);
    return reply.code(r.code).send(r.body);
  });
  app.post<{ Params: { id: string } }>("/builds/:id/cancel", async (req, reply) =>
    reply.code(503).header("retry-after", "5").send(refuse(503, "STORE_UNAVAILABLE", "event store unavailable: nothing was done, retry later").body),
  );
  await app.listen({ host: "127.0.0.1", port });
  const address = app.server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  return { app, url: `http://127.0.0.1:${bound}`, seen };
}

let logsDir = "";
test.before(async () => {
  logsDir = await mkdtemp(join(tmpdir(), "projector-forward-"));
});
test.after(async () => {
  await rm(logsDir, { recursive: true, force: true });
});

function projector(ingressUrl: string, apiToken: string | null = TOKEN) {
  return buildApp({ readModel: ProjectionState.empty(null), logsDir, apiToken, control: { ingressUrl } });
}

test("control forward - the body, Content-Type, Authorization and X-Slipway-User reach ingress as sent; its answer comes back as it was", async () => {
  const ingress = await fakeIngress();
  const app = projector(ingress.url);
  try {
    // Spacing kept: the projector streams the body on, it never parses and re-encodes it.
    const body = '{"repo": "acme/shop",   "ref": "main"}';
    const res = await app.inject({
      method: "POST",
      url: "/builds",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, "x-slipway-user": "alice", cookie: "session=secret", "x-other": "no" },
      payload: body,
    });
    assert.is(res.statusCode, 202);
    assert.equal(res.json(), { status: "accepted", message: "build of acme/shop refs/heads/main requested", deliveryId: "manual-1", repo: "acme/shop", ref: "refs/heads/main", sha: null });
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    const seen = ingress.seen[0]!;
    assert.is(seen.method, "POST");
    assert.is(seen.url, "/builds");
    assert.is(seen.body, body);
    assert.is(seen.headers["content-type"], "application/json");
    assert.is(seen.headers.authorization, `Bearer ${TOKEN}`);
    assert.is(seen.headers["x-slipway-user"], "alice");
    assert.is(seen.headers.cookie, undefined, "nothing else the browser adds goes on");
    assert.is(seen.headers["x-other"], undefined);
  } finally {
    await app.close();
    await ingress.app.close();
  }
});

test("control forward - ingress checks the token: its 401, 404, 415 and 503 come through unchanged", async () => {
  const ingress = await fakeIngress();
  const app = projector(ingress.url);
  try {
    const noToken = await app.inject({ method: "POST", url: "/builds", headers: { "content-type": "application/json" }, payload: "{}" });
    assert.is(noToken.statusCode, 401);
    assert.equal(noToken.json(), { status: "error", data: "", message: "send Authorization: Bearer <SLIPWAY_API_TOKEN>", code: "UNAUTHORIZED" }, "ingress's shape, not the projector's");
    assert.is(noToken.headers["www-authenticate"], 'Bearer realm="slipway"');
    // The projector's own routes still want the token.
    const list = await app.inject({ method: "GET", url: "/builds" });
    assert.is(list.statusCode, 401);
    assert.is(list.json().error.code, "UNAUTHORIZED");

    const text = await app.inject({ method: "POST", url: "/builds", headers: { "content-type": "text/plain", authorization: `Bearer ${TOKEN}` }, payload: "not json" });
    assert.is(text.statusCode, 415);
    assert.is(text.json().code, "UNSUPPORTED_MEDIA_TYPE");
    assert.is(ingress.seen.at(-1)!.body, "not json");

    const retry = await app.inject({ method: "POST", url: "/builds/b3f9a0c1d2e4f567/retry", headers: { authorization: `Bearer ${TOKEN}` } });
    assert.is(retry.statusCode, 404);
    assert.equal(retry.json(), { status: "error", data: "", message: "no build b3f9a0c1d2e4f567", code: "BUILD_NOT_FOUND" });
    assert.is(ingress.seen.at(-1)!.url, "/builds/b3f9a0c1d2e4f567/retry");
    assert.is(ingress.seen.at(-1)!.body, "", "no body in, no body out");

    const cancel = await app.inject({ method: "POST", url: "/builds/b3f9a0c1d2e4f567/cancel", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, payload: '{"reason":"wrong commit"}' });
    assert.is(cancel.statusCode, 503);
    assert.is(cancel.headers["retry-after"], "5");
    assert.is(cancel.json().code, "STORE_UNAVAILABLE");
    assert.is(ingress.seen.at(-1)!.body, '{"reason":"wrong commit"}');
  } finally {
    await app.close();
    await ingress.app.close();
  }
});

test("control forward - only the three control routes are forwarded", async () => {
  const ingress = await fakeIngress();
  const app = projector(ingress.url, null);
  try {
    assert.is((await app.inject({ method: "POST", url: "/builds/x/other" })).statusCode, 404);
    assert.is((await app.inject({ method: "POST", url: "/hook", payload: "{}", headers: { "content-type": "application/json" } })).statusCode, 404);
    assert.is((await app.inject({ method: "GET", url: "/builds" })).statusCode, 200, "GET /builds stays the projector's list");
    assert.is(ingress.seen.length, 0);
  } finally {
    await app.close();
    await ingress.app.close();
  }
});

test("control forward - no ingress answering: 502 INGRESS_UNAVAILABLE, naming where it looked", async () => {
  const port = await closedPort();
  const app = projector(`http://127.0.0.1:${port}`);
  try {
    const res = await app.inject({ method: "POST", url: "/builds", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, payload: '{"repo":"a","ref":"main"}' });
    assert.is(res.statusCode, 502);
    const error = res.json().error;
    assert.is(error.code, "INGRESS_UNAVAILABLE");
    assert.match(error.message, `127.0.0.1:${port}`);
    assert.match(error.message, /SLIPWAY_INGRESS_URL/);
    // Over a real socket too: the client's connection survives the failed forward of its body.
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    const own = typeof address === "object" && address ? address.port : 0;
    const overHttp = await fetch(`http://127.0.0.1:${own}/builds`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ repo: "a", ref: "x".repeat(100_000) }) });
    assert.is(overHttp.status, 502);
    assert.is(((await overHttp.json()) as { error: { code: string } }).error.code, "INGRESS_UNAVAILABLE");
  } finally {
    await app.close();
  }
});

test("control forward - an ingress that does not answer in time: 502 that says the request may have been done", async () => {
  const silent = Fastify({ forceCloseConnections: true });
  silent.post("/builds/:id/cancel", () => new Promise(() => undefined));
  await silent.listen({ host: "127.0.0.1", port: 0 });
  const address = silent.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const app = buildApp({ readModel: ProjectionState.empty(null), logsDir, control: { ingressUrl: `http://127.0.0.1:${port}`, timeoutMs: 300 } });
  try {
    const res = await app.inject({ method: "POST", url: "/builds/b1/cancel" });
    assert.is(res.statusCode, 502);
    assert.is(res.json().error.code, "INGRESS_UNAVAILABLE");
    assert.match(res.json().error.message, /did not answer in time; the request may or may not have been done/);
  } finally {
    await app.close();
    await silent.close();
  }
});

test("control forward - port 6000, which fetch() refuses, is reached", async () => {
  // Why the projector forwards at all: the Fetch standard's bad ports include 6000 (browsers and Node's fetch).
  const refused = await fetch("http://127.0.0.1:6000/builds", { method: "POST" }).then(
    () => null,
    (err: Error) => err,
  );
  assert.ok(refused !== null, "fetch() refuses port 6000");
  assert.match(String((refused?.cause as Error | undefined)?.message ?? refused?.message), /bad port/i);

  let ingress: Awaited<ReturnType<typeof fakeIngress>>;
  try {
    ingress = await fakeIngress(6000);
  } catch (err) {
    // Something (an `npm start`) holds the port: control.int.test.ts reaches a real ingress on it when free.
    console.warn(`port 6000 is taken (${(err as Error).message}): the forward to port 6000 itself is not checked in this run`);
    return;
  }
  const app = projector("http://127.0.0.1:6000");
  try {
    const res = await app.inject({ method: "POST", url: "/builds", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, payload: '{"repo":"acme/shop","ref":"main"}' });
    assert.is(res.statusCode, 202);
    assert.is(res.json().deliveryId, "manual-1");
    assert.is(ingress.seen.length, 1);
  } finally {
    await app.close();
    await ingress.app.close();
  }
});

/** A port nothing listens on (taken, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

test.run();
