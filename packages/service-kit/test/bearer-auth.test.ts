import Fastify, { type FastifyReply } from "fastify";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bearerAuth, bearerToken, BearerRefusal, tokenMatches } from "../src/bearer-auth.js";

const TOKEN = "t0ken-for-tests-0123456789";

test("bearer auth - parses the header, scheme case-insensitive, one token only", () => {
  assert.is(bearerToken(`Bearer ${TOKEN}`), TOKEN);
  assert.is(bearerToken(`bearer ${TOKEN} `), TOKEN);
  assert.is(bearerToken(undefined), null);
  assert.is(bearerToken(`Basic ${TOKEN}`), null);
  assert.is(bearerToken("Bearer "), null);
  assert.is(bearerToken("Bearer a b"), null);
  assert.is(bearerToken(TOKEN), null);
});

test("bearer auth - compares whole tokens", () => {
  assert.ok(tokenMatches(TOKEN, TOKEN));
  assert.not.ok(tokenMatches(TOKEN, TOKEN.slice(0, -1)));
  assert.not.ok(tokenMatches(TOKEN, `${TOKEN}x`));
  assert.not.ok(tokenMatches(TOKEN, ""));
});

function app() {
  const refusals: string[] = [];
  const a = Fastify();
  a.addHook(
    "onRequest",
    bearerAuth({
      token: TOKEN,
      open: ["/healthz"],
      refuse: (reply: FastifyReply, message, reason) => {
        refusals.push(reason);
        return reply.code(401).send({ denied: message });
      },
    }),
  );
  a.get("/healthz", async () => ({ ok: true }));
  a.get("/things/:id", async () => ({ thing: true }));
  return { a, refusals };
}

test("bearer auth - the hook lets the token through, refuses the rest, keeps open routes open", async () => {
  const { a, refusals } = app();
  const ok = await a.inject({ url: "/things/1", headers: { authorization: `Bearer ${TOKEN}` } });
  assert.is(ok.statusCode, 200);
  const none = await a.inject({ url: "/things/1" });
  assert.is(none.statusCode, 401);
  assert.is(none.headers["www-authenticate"], 'Bearer realm="slipway"');
  assert.match(none.json().denied, /Authorization: Bearer/);
  const wrong = await a.inject({ url: "/things/1", headers: { authorization: "Bearer near-miss" } });
  assert.is(wrong.statusCode, 401);
  assert.not.ok(wrong.body.includes("near-miss"), "the given token is not echoed");
  assert.not.ok(wrong.body.includes(TOKEN));
  // A route that does not exist is refused too: a 404 would say which routes exist.
  assert.is((await a.inject({ url: "/nope" })).statusCode, 401);
  assert.is((await a.inject({ url: "/healthz" })).statusCode, 200);
  assert.is((await a.inject({ url: "/healthz?x=1" })).statusCode, 200);
  // Only the route pattern opens a route: a path that merely starts like an open one does not.
  assert.is((await a.inject({ url: "/healthz/x" })).statusCode, 401);
  assert.equal(refusals, [BearerRefusal.Missing, BearerRefusal.Wrong, BearerRefusal.Missing, BearerRefusal.Missing]);
});

test("bearer auth - open routes by prefix and by method; nothing else opens", async () => {
  const a = Fastify();
  a.addHook("onRequest", bearerAuth({ token: TOKEN, open: ["/", "/assets/*", { method: "post", url: "/things" }], refuse: (reply: FastifyReply) => reply.code(401).send({ denied: true }) }));
  a.get("/", async () => "page");
  a.get("/assets/*", async () => "file");
  a.get("/assets/vendor/:name", async () => "vendor");
  a.get("/assetsx", async () => "not under the prefix");
  a.get("/things", async () => ["a thing"]);
  a.post("/things", async () => ({ made: true }));
  a.post("/things/:id", async () => ({ changed: true }));
  for (const url of ["/", "/?x=1", "/assets/app.js", "/assets/a/b.css", "/assets/vendor/ansi_up.js"]) assert.is((await a.inject({ url })).statusCode, 200, url);
  assert.is((await a.inject({ method: "HEAD", url: "/assets/app.js" })).statusCode, 200);
  assert.is((await a.inject({ method: "POST", url: "/things" })).statusCode, 200, "POST /things is open");
  assert.is((await a.inject({ url: "/things" })).statusCode, 401, "GET /things is not");
  assert.is((await a.inject({ method: "POST", url: "/things/1" })).statusCode, 401, "a method entry is one exact pattern");
  assert.is((await a.inject({ url: "/assetsx" })).statusCode, 401, "a prefix ends where its * was");
  assert.is((await a.inject({ url: "/nope" })).statusCode, 401);
});

test.run();
