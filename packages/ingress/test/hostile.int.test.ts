import { createHmac } from "node:crypto";
import { STREAM_EVENTS } from "@slipway/events";
import { freePort, startService, startTestNats, withJetStream } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rawRequest, request, type Answer } from "./http-client.js";

/**
 * A real ingress process on a real NATS, with a secret and an allow-list, against requests an
 * attacker or a confused client would send. Each must get the right 4xx, the process must stay up,
 * and the stream must store nothing.
 */
const SECRET = "hostile-test-secret";
const BODY_LIMIT = 1024 * 1024;

const bus = withJetStream(test);
let base: string;

test.before(async () => {
  const port = await freePort();
  bus.own(
    await startService("ingress", {
      SLIPWAY_NATS_URL: bus.nats.url,
      SLIPWAY_INGRESS_PORT: String(port),
      SLIPWAY_WEBHOOK_SECRET: SECRET,
      SLIPWAY_INGRESS_HOST: "127.0.0.1",
      SLIPWAY_ALLOWED_REPOS: "acme/*",
      SLIPWAY_INGRESS_BODY_LIMIT_BYTES: String(BODY_LIMIT),
      SLIPWAY_INGRESS_BODIES_IN_FLIGHT_BYTES: String(2 * BODY_LIMIT),
      SLIPWAY_INGRESS_HEADERS_TIMEOUT_MS: "1000",
      SLIPWAY_INGRESS_REQUEST_TIMEOUT_MS: "2000",
      SLIPWAY_INGRESS_IDLE_TIMEOUT_MS: "1500",
    }),
  );
  base = `http://127.0.0.1:${port}`;
});

const sign = (body: string | Buffer, key = SECRET) => "sha256=" + createHmac("sha256", key).update(body).digest("hex");
const storedMessages = async () => (await bus.jsm.streams.info(STREAM_EVENTS)).state.messages;

const repo = { name: "shop", full_name: "acme/shop", owner: { login: "acme" } };
const valid = { ref: "refs/heads/main", after: "a".repeat(40), head_commit: { id: "a".repeat(40), message: "fix" }, repository: repo };
const json = (value: unknown) => JSON.stringify(value);
const withRepo = (fields: Record<string, unknown>) => json({ ...valid, repository: { ...repo, ...fields } });
const withField = (fields: Record<string, unknown>) => json({ ...valid, ...fields });

const messageOf = (text: string): string => {
  try {
    return String((JSON.parse(text) as { message?: unknown }).message);
  } catch {
    return text;
  }
};

type Case = {
  name: string;
  body: string | Buffer;
  status: number;
  message?: RegExp;
  headers?: Record<string, string>;
  /** Default: a correct signature over the body. */
  signature?: string | null;
  method?: string;
  path?: string;
};

const form = (payload: string) => new URLSearchParams({ payload }).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded" };

const CASES: Case[] = [
  // Every signature mistake: 401 before the body is even parsed.
  { name: "no signature", body: json(valid), signature: null, status: 401 },
  { name: "a sha1 signature only", body: json(valid), signature: null, headers: { "x-hub-signature": "sha1=" + "0".repeat(40) }, status: 401 },
  { name: "signed with another secret", body: json(valid), signature: sign(json(valid), "guess"), status: 401 },
  { name: "signature in upper-case hex", body: json(valid), signature: sign(json(valid)).toUpperCase().replace("SHA256=", "sha256="), status: 401 },
  { name: "signature without its sha256= prefix", body: json(valid), signature: sign(json(valid)).slice(7), status: 401 },
  { name: "signature of another body", body: json(valid) + " ", signature: sign(json(valid)), status: 401 },
  { name: "truncated signature", body: json(valid), signature: sign(json(valid)).slice(0, -1), status: 401 },
  { name: "empty signature", body: json(valid), signature: "sha256=", status: 401 },
  { name: "signature over re-serialised JSON", body: JSON.stringify(valid, null, 2), signature: sign(json(valid)), status: 401 },
  { name: "a form body signed over its payload only", body: form(json(valid)), headers: FORM, signature: sign(json(valid)), status: 401 },
  { name: "invalid JSON, badly signed, is not parsed", body: "{not json", signature: "sha256=" + "f".repeat(64), status: 401 },
  // Bodies and content types.
  { name: "not JSON", body: "{not json", status: 400, message: /not valid JSON/ },
  { name: "a JSON array", body: "[]", status: 400, message: /invalid push payload/ },
  { name: "JSON null", body: "null", status: 400, message: /invalid push payload/ },
  { name: "a JSON string", body: '"refs/heads/main"', status: 400, message: /invalid push payload/ },
  { name: "deep nesting", body: "[".repeat(100_000) + "]".repeat(100_000), status: 400, message: /invalid push payload|not valid JSON/ },
  { name: "a body over the limit", body: json({ ...valid, pad: "x".repeat(BODY_LIMIT) }), status: 413 },
  { name: "text/plain", body: json(valid), headers: { "content-type": "text/plain" }, status: 415 },
  { name: "an empty JSON body", body: "", status: 400, message: /empty/ },
  { name: "a form without payload", body: "ref=refs/heads/main", headers: FORM, status: 400, message: /payload field/ },
  { name: "a form whose payload is not JSON", body: form("{nope"), headers: FORM, status: 400, message: /payload field is not valid JSON/ },
  { name: "a form with two payloads", body: `${form(json(valid))}&${form(json(valid))}`, headers: FORM, status: 400, message: /exactly one payload/ },
  // Wrong types.
  { name: "ref as a number", body: withField({ ref: 42 }), status: 400, message: /\/ref/ },
  { name: "repository name as a number", body: withRepo({ name: 7 }), status: 400, message: /\/repository\/name/ },
  { name: "no repository", body: json({ ref: "refs/heads/main" }), status: 400, message: /\/repository/ },
  { name: "head_commit.id as an object", body: withField({ head_commit: { id: { $gt: "" } } }), status: 400, message: /\/head_commit/ },
  { name: "deleted as a string", body: withField({ deleted: "yes" }), status: 400, message: /\/deleted/ },
  // Names GitHub cannot produce.
  { name: "repository *", body: withRepo({ name: "*", full_name: "acme/*" }), status: 400, message: /\/repository\/name/ },
  { name: "repository >", body: withRepo({ name: ">", full_name: "acme/>" }), status: 400, message: /\/repository\/name/ },
  { name: "repository with a space", body: withRepo({ name: "my shop", full_name: "acme/my shop" }), status: 400, message: /\/repository\/name/ },
  { name: "non-ASCII repository", body: withRepo({ name: "dépôt", full_name: "acme/dépôt" }), status: 400, message: /\/repository\/name/ },
  { name: "repository traversal", body: withRepo({ name: "../../etc" }), status: 400, message: /\/repository\/name/ },
  { name: "repository as a git option", body: withRepo({ name: "--upload-pack=touch /tmp/pwn" }), status: 400, message: /\/repository\/name/ },
  { name: "repository of 101 characters", body: withRepo({ name: "x".repeat(101) }), status: 400, message: /\/repository\/name/ },
  { name: "owner with a slash", body: withRepo({ owner: { login: "acme/evil" } }), status: 400, message: /\/repository\/owner\/login/ },
  { name: "full_name of another repository", body: withRepo({ full_name: "acme/other" }), status: 400, message: /\/repository\/full_name/ },
  { name: "owner and full_name disagree", body: withRepo({ owner: { login: "evil" } }), status: 400, message: /\/repository\/full_name/ },
  // Refs git refuses.
  { name: "ref with a control character", body: withField({ ref: "refs/heads/ma\u0007in" }), status: 400, message: /\/ref: contains a control/ },
  { name: "ref with ..", body: withField({ ref: "refs/heads/../../etc/passwd" }), status: 400, message: /\/ref: contains \.\./ },
  { name: "ref as an option", body: withField({ ref: "refs/heads/--upload-pack=x" }), status: 400, message: /\/ref: .*starting with -/ },
  { name: "ref ending in .lock", body: withField({ ref: "refs/heads/main.lock" }), status: 400, message: /\/ref: .*\.lock/ },
  { name: "ref HEAD", body: withField({ ref: "HEAD" }), status: 400, message: /\/ref: is neither/ },
  { name: "ref with @{", body: withField({ ref: "refs/heads/main@{1}" }), status: 400, message: /\/ref: contains @\{/ },
  { name: "ref with a space", body: withField({ ref: "refs/heads/a b" }), status: 400, message: /\/ref: contains " "/ },
  { name: "ref of 1001 characters", body: withField({ ref: "refs/heads/" + "x".repeat(990) }), status: 400, message: /\/ref/ },
  { name: "commit id as an option", body: withField({ head_commit: { id: "--output=/tmp/x" } }), status: 400, message: /\/head_commit\/id/ },
  { name: "pusher with a newline (log forging)", body: withField({ pusher: { name: "ann\n{\"level\":50}" } }), status: 400, message: /\/pusher\/name/ },
  { name: "default branch git refuses", body: withRepo({ default_branch: "main..x" }), status: 400, message: /\/repository\/default_branch/ },
  // Headers and routing.
  { name: "delivery id traversal", body: json(valid), headers: { "x-github-delivery": "../../x" }, status: 400, message: /X-GitHub-Delivery/ },
  { name: "delivery id of 101 characters", body: json(valid), headers: { "x-github-delivery": "d".repeat(101) }, status: 400, message: /X-GitHub-Delivery/ },
  { name: "a repository outside the allow-list", body: withRepo({ full_name: "evil/shop", owner: { login: "evil" } }), status: 403, message: /evil\/shop/ },
  { name: "an ownerless repository", body: json({ ...valid, repository: { name: "shop" } }), status: 403, message: /not in SLIPWAY_ALLOWED_REPOS/ },
  { name: "an owner smuggled through __proto__", body: '{"ref":"refs/heads/main","repository":{"name":"shop","__proto__":{"owner":{"login":"acme"}}}}', status: 403 },
  { name: "GET /hook", body: "", method: "GET", signature: null, headers: {}, status: 404 },
];

test(`hostile - ${CASES.length} hostile requests: each gets its 4xx, the process stays up, the stream stores nothing`, async () => {
  assert.ok(CASES.length >= 40);
  const before = await storedMessages();
  const failures: string[] = [];
  for (const c of CASES) {
    const headers: Record<string, string> = { "content-type": "application/json", "x-github-event": "push", ...c.headers };
    if (c.signature !== null) headers["x-hub-signature-256"] = c.signature ?? sign(c.body);
    let answer: Answer;
    try {
      answer = await request(`${base}${c.path ?? "/hook"}`, { method: c.method ?? "POST", headers, body: c.body });
    } catch (err) {
      failures.push(`${c.name}: no answer (${(err as Error).message})`);
      continue;
    }
    if (answer.status !== c.status) failures.push(`${c.name}: ${answer.status} instead of ${c.status}: ${answer.text.slice(0, 200)}`);
    else if (c.message && !c.message.test(messageOf(answer.text))) failures.push(`${c.name}: message ${answer.text.slice(0, 200)} does not match ${c.message}`);
  }
  assert.equal(failures, []);
  assert.is((await request(`${base}/healthz`)).status, 200, "the process is up");
  assert.is(await storedMessages(), before, "nothing was published");
  // The same service still takes a correct push.
  const ok = await request(`${base}/hook`, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": sign(json(valid)) }, body: json(valid) });
  assert.is(ok.status, 200, ok.text);
  assert.is(await storedMessages(), before + 1);
});

test("hostile - headers that never end are cut off by the headers timeout", async () => {
  const started = Date.now();
  const outcome = await rawRequest(base, ["POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"], 10_000);
  assert.ok(outcome.closed, `the connection was closed (${outcome.text})`);
  assert.ok(Date.now() - started < 8000, `closed after ${Date.now() - started} ms`);
});

test("hostile - a body that trickles in is cut off by the request timeout, and nothing is stored", async () => {
  const before = await storedMessages();
  const body = json(valid);
  const head = `POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Hub-Signature-256: ${sign(body)}\r\nContent-Length: ${body.length}\r\n\r\n`;
  // One byte every 400 ms: the idle timeout never fires, the whole request takes far too long.
  const chunks = [head, ...body.split("")];
  const started = Date.now();
  const outcome = await rawRequest(base, chunks, 15_000, 400);
  assert.ok(outcome.closed, "the connection was closed");
  assert.ok(Date.now() - started < 8000, `closed after ${Date.now() - started} ms`);
  assert.not.match(outcome.text, /hook successful/);
  assert.is(await storedMessages(), before);
});

test("hostile - bodies beyond the in-flight budget get 503 with Retry-After, not memory", async () => {
  const size = BODY_LIMIT - 10;
  const head = (n: number) => `POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Hub-Signature-256: ${sign("x")}\r\nContent-Length: ${n}\r\n\r\n`;
  // Two slow bodies of nearly the body limit each hold the whole budget (2 x the limit)...
  const holders = [rawRequest(base, [head(size), "{"], 2500), rawRequest(base, [head(size), "{"], 2500)];
  await new Promise((r) => setTimeout(r, 300));
  // ...so a third one is refused at once, before a byte of its body is read.
  const third = await request(`${base}/hook`, { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": sign(json(valid)) }, body: json(valid) });
  assert.is(third.status, 503, third.text);
  assert.is(third.headers["retry-after"], "5");
  await Promise.all(holders);
  // Once they are gone (timed out), the budget is back.
  const after = await request(`${base}/hook`, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": sign(json(valid)) }, body: json(valid) });
  assert.is(after.status, 200, after.text);
});

test("operations - /readyz and the hook answer 503 with Retry-After while NATS is down", async () => {
  // A server of its own: this test stops it.
  const nats = await startTestNats();
  const port = await freePort();
  const own = await startService("ingress", { SLIPWAY_NATS_URL: nats.url, SLIPWAY_INGRESS_PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  try {
    assert.is((await request(`${url}/readyz`)).status, 200);
    await nats.stop();
    const ready = await request(`${url}/readyz`);
    assert.is(ready.status, 503);
    assert.is(ready.headers["retry-after"], "5");
    assert.match(ready.text, /CI_EVENTS|closed/);
    const hook = await request(`${url}/hook`, { method: "POST", headers: { "content-type": "application/json" }, body: json(valid) });
    assert.is(hook.status, 503);
    assert.is(hook.headers["retry-after"], "5");
  } finally {
    await own.stop();
    await nats.stop();
  }
});

test("operations - a stop under load: hooks in flight are answered, every 200 is stored, later ones get 503 or no connection", async () => {
  const port = await freePort();
  const own = await startService("ingress", { SLIPWAY_NATS_URL: bus.nats.url, SLIPWAY_INGRESS_PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  const run = Date.now().toString(36);
  // One repository per request: the stream's per-subject counts say which ones were stored.
  const results: { name: string; status: number }[] = [];
  let sent = 0;
  let stopping = false;
  const worker = async () => {
    while (!stopping) {
      const name = `stop-${run}-${sent++}`;
      const status = await request(`${url}/hook`, { method: "POST", headers: { "content-type": "application/json" }, body: json({ ...valid, repository: { name } }) }).then(
        (a) => a.status,
        () => 0,
      );
      results.push({ name, status });
      if (status === 0) return;
    }
  };
  const workers = Array.from({ length: 6 }, worker);
  while (results.filter((r) => r.status === 200).length < 20) await new Promise((r) => setTimeout(r, 5));
  const exitCode = await own.stop();
  stopping = true;
  await Promise.all(workers);
  assert.is(exitCode, 0, own.output());
  const statuses = results.map((r) => r.status);
  assert.ok(statuses.every((s) => s === 200 || s === 503 || s === 0), `statuses: ${statuses.join(",")}`);
  const counts = (await bus.jsm.streams.info(STREAM_EVENTS, { subjects_filter: "ci.webhook.received.>" })).state.subjects ?? {};
  const lost = results.filter((r) => r.status === 200 && counts[`ci.webhook.received.${r.name}`] !== 1).map((r) => r.name);
  assert.equal(lost, [], "every hook answered 200 is stored once");
});

test.run();
