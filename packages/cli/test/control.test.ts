import { test } from "uvu";
import * as assert from "uvu/assert";
import { sendJson, startFakeServer, type FakeServer, type Handler } from "./fake-server.js";
import { runCli } from "./run-cli.js";

/**
 * trigger, retry and cancel against a stand-in for the projector (which forwards these routes
 * to ingress): what the binary sends, and how each answer becomes output and an exit code.
 */

const TOKEN = "control-test-token";
const SHA = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";
let answer: Handler = (_req, res) => sendJson(res, 500, {});
let server: FakeServer | null = null;

test.before(async () => {
  server = await startFakeServer((req, res) => answer(req, res));
});
test.after(async () => {
  await server?.close();
});

const env = (extra: Record<string, string> = {}) => ({ SLIPWAY_PROJECTOR_URL: server!.url, SLIPWAY_API_TOKEN: TOKEN, SLIPWAY_USER: "alice", ...extra });
const last = () => server!.seen[server!.seen.length - 1]!;
const ingressError = (status: number, code: string, message: string): Handler => (_req, res) => sendJson(res, status, { status: "error", data: "", message, code });

test("trigger - POST /builds with repo, ref, sha, the token and the caller; prints the answer", async () => {
  answer = (_req, res) => sendJson(res, 202, { status: "accepted", message: "build of acme/shop refs/heads/main requested", deliveryId: "manual-6f1c", repo: "acme/shop", ref: "refs/heads/main", sha: SHA });
  const run = await runCli(["trigger", "acme/shop", "main", "--sha", SHA.toUpperCase()], env());
  assert.is(run.code, 0, run.stderr);
  const req = last();
  assert.is(`${req.method} ${req.url}`, "POST /builds");
  assert.equal(JSON.parse(req.body), { repo: "acme/shop", ref: "main", sha: SHA });
  assert.is(req.headers.authorization, `Bearer ${TOKEN}`);
  assert.is(req.headers["x-slipway-user"], "alice");
  assert.match(String(req.headers["content-type"]), /^application\/json/);
  assert.is(run.stdout, "build of acme/shop refs/heads/main requested\n");
  assert.match(run.stderr, /slipway builds --delivery manual-6f1c/);
  const json = await runCli(["--json", "trigger", "acme/shop", "main"], env());
  assert.is(json.code, 0);
  assert.equal(JSON.parse(json.stdout).deliveryId, "manual-6f1c");
  assert.equal(JSON.parse(last().body), { repo: "acme/shop", ref: "main" }, "no sha: the tip of ref");
});

test("retry - POST /builds/<id>/retry without a body; says how to follow the new build", async () => {
  answer = (_req, res) => sendJson(res, 202, { status: "accepted", message: "build b1 (failed) queued again as r0c47d2e9a1b3f58", buildId: "r0c47d2e9a1b3f58", retryOf: "b1", deliveryId: "d" });
  const run = await runCli(["retry", "b1"], env({ SLIPWAY_USER: "not a name" }));
  assert.is(run.code, 0, run.stderr);
  assert.is(`${last().method} ${last().url}`, "POST /builds/b1/retry");
  assert.is(last().body, "");
  assert.is(last().headers["x-slipway-user"], undefined, "a name ingress would refuse is not sent");
  assert.match(run.stdout, /queued again as r0c47d2e9a1b3f58/);
  assert.match(run.stderr, /slipway logs -f r0c47d2e9a1b3f58/);
});

test("cancel - POST /builds/<id>/cancel with the reason, or an empty object", async () => {
  answer = (_req, res) => sendJson(res, 202, { status: "accepted", message: "cancel of build b1 requested", buildId: "b1", requestId: "x" });
  assert.is((await runCli(["cancel", "b1", "--reason", "wrong commit"], env())).code, 0);
  assert.equal(JSON.parse(last().body), { reason: "wrong commit" });
  assert.is((await runCli(["cancel", "b1"], env())).code, 0);
  assert.equal(JSON.parse(last().body), {});
});

test("control - refusals are exit 1 with ingress's message and code", async () => {
  const cases: [Handler, string[], RegExp][] = [
    [ingressError(409, "BUILD_RUNNING", "build b1 is still running (no verdict yet): wait for it or cancel it first"), ["retry", "b1"], /still running .*\(409 BUILD_RUNNING\)/],
    [ingressError(409, "BUILD_FINISHED", "build b1 already failed: nothing to cancel"), ["cancel", "b1"], /already failed: nothing to cancel \(409 BUILD_FINISHED\)/],
    [ingressError(404, "BUILD_NOT_FOUND", "no build b9"), ["retry", "b9"], /no build b9 \(404 BUILD_NOT_FOUND\)/],
    [ingressError(403, "REPO_NOT_ALLOWED", "repository x/y is not in SLIPWAY_ALLOWED_REPOS"), ["trigger", "x/y", "main"], /not in SLIPWAY_ALLOWED_REPOS \(403 REPO_NOT_ALLOWED\)/],
    [ingressError(503, "API_DISABLED", "the build control API is off"), ["trigger", "x/y", "main"], /\(503 API_DISABLED\)/],
  ];
  for (const [handler, args, message] of cases) {
    answer = handler;
    const run = await runCli(args, env());
    assert.is(run.code, 1, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.is(run.stdout, "");
  }
});

test("control - a bad argument (400), no token (401), no forwarding (404 NOT_FOUND) or no ingress (502) is exit 2", async () => {
  answer = ingressError(400, "INVALID_REQUEST", "ref must be a branch name or refs/heads/... (got \"a..b\")");
  let run = await runCli(["trigger", "acme/shop", "a..b"], env());
  assert.is(run.code, 2);
  assert.match(run.stderr, /ref must be a branch name/);

  answer = (req, res) => (req.headers.authorization === `Bearer ${TOKEN}` ? sendJson(res, 202, {}) : sendJson(res, 401, { error: { code: "UNAUTHORIZED", message: "no" } }));
  run = await runCli(["retry", "b1"], env({ SLIPWAY_API_TOKEN: "" }));
  assert.is(run.code, 2);
  assert.match(run.stderr, /wants its API token: set SLIPWAY_API_TOKEN/);
  run = await runCli(["retry", "b1"], env({ SLIPWAY_API_TOKEN: "wrong" }));
  assert.is(run.code, 2);
  assert.match(run.stderr, /refused the API token/);

  answer = (req, res) => sendJson(res, 404, { error: { code: "NOT_FOUND", message: `no route POST ${req.url}` } });
  run = await runCli(["trigger", "acme/shop", "main"], env());
  assert.is(run.code, 2);
  assert.match(run.stderr, /has no route POST \/builds: is it older than this command line\?/);

  answer = (_req, res) => sendJson(res, 502, { statusCode: 502, error: "Bad Gateway", message: "connect ECONNREFUSED 127.0.0.1:6000" });
  run = await runCli(["cancel", "b1"], env());
  assert.is(run.code, 2);
  assert.match(run.stderr, /could not reach ingress .*is ingress running\?/);
});

test.run();
