/**
 * The projector's forward of the build control API, against a real ingress process on real NATS:
 * on port 6000 when it is free (the port browsers refuse, which is why the forward exists), and
 * every answer through the projector equal to ingress's own.
 */
import { request } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventIds, publishEvent } from "@slipway/events";
import { freePort, queuedBuild, startService, tcpReachable, withJetStream } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildApp } from "../src/app.js";
import { ProjectionState } from "../src/projection-state.js";

const TOKEN = "forward-int-t0ken-5d41402abc4b2a76";
const QUEUED = "b0000000000fwd01";

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };
const bus = withJetStream(test);
let ctx: { ingressUrl: string; projectorUrl: string; logsDir: string } | null = null;

/** node:http, not fetch: fetch refuses port 6000. */
function post(base: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: "POST", headers: body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test.before(async () => {
  const on6000 = !(await tcpReachable("127.0.0.1", 6000, 500));
  const port = on6000 ? 6000 : await freePort();
  console.log(on6000 ? "ingress on port 6000" : "port 6000 is taken: the real ingress listens on another port for this run");
  bus.own(await startService("ingress", { SLIPWAY_NATS_URL: bus.nats.url, SLIPWAY_INGRESS_HOST: "127.0.0.1", SLIPWAY_INGRESS_PORT: String(port), SLIPWAY_API_TOKEN: TOKEN }));
  const data = queuedBuild(QUEUED, { image: "127.0.0.1:5500/docker-ci", contextObject: `test/${QUEUED}.tar` });
  await publishEvent(bus.js, "BuildQueued", data, { id: eventIds.buildQueued(QUEUED), correlationId: data.deliveryId, causationId: null });
  const logsDir = await mkdtemp(join(tmpdir(), "projector-forward-int-"));
  const ingressUrl = `http://127.0.0.1:${port}`;
  const projector = buildApp({ readModel: ProjectionState.empty(null), logsDir, apiToken: TOKEN, control: { ingressUrl } });
  bus.own({ stop: () => projector.close() });
  await projector.listen({ host: "127.0.0.1", port: 0 });
  const address = projector.server.address();
  const projectorUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  ctx = { ingressUrl, projectorUrl, logsDir };
});

test.after(async () => {
  if (ctx) await rm(ctx.logsDir, { recursive: true, force: true });
});

function need() {
  if (!ctx) throw new Error("setup failed");
  return ctx;
}

/** Ids and times differ per request; the rest of an answer must be the same. */
function comparable(a: Answer): { status: number; type: unknown; body: unknown } {
  const json = JSON.parse(a.body) as Record<string, unknown>;
  for (const k of ["deliveryId", "requestId"]) if (typeof json[k] === "string") json[k] = "<id>";
  return { status: a.status, type: a.headers["content-type"], body: json };
}

const JSON_HEADERS = { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, "x-slipway-user": "forward-test" };
const CASES: { name: string; path: string; headers: Record<string, string>; body?: string; status: number }[] = [
  { name: "a build requested", path: "/builds", headers: JSON_HEADERS, body: '{"repo": "acme/shop", "ref": "main"}', status: 202 },
  { name: "a bad ref", path: "/builds", headers: JSON_HEADERS, body: '{"repo": "acme/shop", "ref": "a..b"}', status: 400 },
  { name: "not JSON", path: "/builds", headers: { ...JSON_HEADERS, "content-type": "text/plain" }, body: "main", status: 415 },
  { name: "no token", path: "/builds", headers: { "content-type": "application/json" }, body: "{}", status: 401 },
  { name: "a wrong token", path: "/builds/b1/retry", headers: { authorization: "Bearer nope" }, status: 401 },
  { name: "retry of an unknown build", path: "/builds/b0000000000nope1/retry", headers: { authorization: `Bearer ${TOKEN}` }, status: 404 },
  { name: "retry of a build without a verdict", path: `/builds/${QUEUED}/retry`, headers: { authorization: `Bearer ${TOKEN}` }, status: 409 },
  { name: "a cancel with a reason", path: `/builds/${QUEUED}/cancel`, headers: JSON_HEADERS, body: '{"reason": "wrong commit"}', status: 202 },
];

for (const c of CASES) {
  test(`control forward (real ingress) - ${c.name}: the same answer through the projector as from ingress`, async () => {
    const { ingressUrl, projectorUrl } = need();
    const direct = await post(ingressUrl, c.path, c.headers, c.body);
    const forwarded = await post(projectorUrl, c.path, c.headers, c.body);
    assert.is(direct.status, c.status, direct.body);
    assert.equal(comparable(forwarded), comparable(direct));
  });
}

test.run();
