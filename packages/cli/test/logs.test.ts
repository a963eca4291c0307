import type { ServerResponse } from "node:http";
import { createEvent } from "@slipway/events";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { sendJson, startFakeServer, type FakeServer, type Handler, type SeenRequest } from "./fake-server.js";
import { runCli, startCli } from "./run-cli.js";

/**
 * `logs` and `logs -f` against a stand-in that speaks the projector's SSE framing (see
 * packages/projector/src/live-messages.ts): attempts, resume after a broken stream, verdicts.
 */

const BUILD = "b3f9a0c1d2e4f567";
const links = { id: "v-1", correlationId: "d-1", causationId: null };
const PUSHED = createEvent("ImagePushed", { buildId: BUILD, image: "127.0.0.1:5500/shop", tags: ["main"], digest: "sha256:" + "a".repeat(64), attempt: 2 }, links);
const FAILED = createEvent("BuildFailed", { buildId: BUILD, stage: "build", code: "DOCKER_BUILD_FAILED", message: "step #5 failed", attempt: 1 }, links);

/** One SSE message as @fastify/sse writes it: a `data:` line per LF of the text. */
function frame(event: string, data: string, id?: string): string {
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\n${data.split("\n").map((l) => `data: ${l}`).join("\n")}\n\n`;
}
const log = (seq: number, text: string) => frame("log", text, String(seq));
const attempt = (n: number) => frame("attempt", JSON.stringify({ attempt: n }));
const verdict = (e: unknown) => frame("verdict", JSON.stringify(e));

function stream(res: ServerResponse, body: string, end = true): void {
  res.writeHead(200, { "content-type": "text/event-stream" });
  res.write(": heartbeat\n\n");
  res.write(body);
  if (end) res.end();
}

let answer: Handler = (_req, res) => sendJson(res, 500, {});
let server: FakeServer | null = null;
test.before(async () => {
  server = await startFakeServer((req, res) => answer(req, res));
});
test.after(async () => {
  await server?.close();
});
const env = () => ({ SLIPWAY_PROJECTOR_URL: server!.url });
const streams = (): SeenRequest[] => server!.seen.filter((r) => r.url.endsWith("/log/stream"));

test("logs - the log as text, exit 0; an unknown build is exit 1", async () => {
  answer = (req, res) => {
    if (req.url === `/builds/${BUILD}/log`) {
      res.writeHead(200, { "content-type": "text/plain" });
      return void res.end("Step 1/2\r\nStep 2/2\n");
    }
    sendJson(res, 404, { error: { code: "BUILD_NOT_FOUND", message: 'no build "bnope"' } });
  };
  const run = await runCli(["logs", BUILD], env());
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout, "Step 1/2\r\nStep 2/2\n", "the exact bytes");
  const json = await runCli(["logs", BUILD, "--json"], env());
  assert.equal(JSON.parse(json.stdout), { buildId: BUILD, log: "Step 1/2\r\nStep 2/2\n" });
  const missing = await runCli(["logs", "bnope"], env());
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /no build "bnope" \(404 BUILD_NOT_FOUND\)/);
});

test("logs -f - prints the text as it comes, restarts with a newer attempt, skips a late older one, exit 0 when pushed", async () => {
  answer = (_req, res) => stream(res, attempt(1) + log(1, "#1 FROM busybox\n#2 RUN mak") + attempt(2) + log(5, "#1 FROM busybox\n") + attempt(1) + log(6, "late line of attempt 1\n") + attempt(2) + log(7, "#2 DONE\n") + verdict(PUSHED));
  const run = await runCli(["logs", "-f", BUILD], env());
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout, "#1 FROM busybox\n#2 RUN mak\n#1 FROM busybox\n#2 DONE\n");
  assert.match(run.stderr, /--- attempt 2: the build started again, its log restarts ---/);
  assert.match(run.stderr, /build b3f9a0c1d2e4f567 pushed 127\.0\.0\.1:5500\/shop \(main\) sha256:aaaaaaaaaaaa\n$/);
  assert.is(streams().at(-1)!.headers.accept, "text/event-stream");
});

test("logs -f - a stream that breaks is resumed after the last chunk (Last-Event-ID); exit 1 when it failed", async () => {
  server!.seen.length = 0;
  answer = (req, res) => {
    if (req.headers["last-event-id"] === undefined) return stream(res, attempt(1) + log(3, "first\n") + log(4, "second\n"));
    stream(res, attempt(1) + log(9, "third\n") + verdict(FAILED));
  };
  const run = await runCli(["logs", "--follow", BUILD], env());
  assert.is(run.code, 1, run.stderr);
  assert.is(run.stdout, "first\nsecond\nthird\n");
  assert.equal(streams().map((r) => r.headers["last-event-id"]), [undefined, "4"]);
  assert.match(run.stderr, /build b3f9a0c1d2e4f567 failed at build \(DOCKER_BUILD_FAILED\): step #5 failed/);
});

test("logs -f --json - one object per line: log chunks, attempts, the verdict", async () => {
  answer = (_req, res) => stream(res, attempt(1) + log(1, "a\n") + attempt(2) + log(2, "b\n") + verdict(FAILED));
  const run = await runCli(["logs", "-f", BUILD, "--json"], env());
  assert.is(run.code, 1);
  const lines = run.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines, [
    { event: "log", seq: 1, attempt: 1, text: "a\n" },
    { event: "attempt", attempt: 2 },
    { event: "log", seq: 2, attempt: 2, text: "b\n" },
    { event: "verdict", verdict: FAILED },
  ]);
});

test("logs -f - Ctrl-C before the verdict is exit 130; an unknown build exit 1", async () => {
  answer = (_req, res) => stream(res, attempt(1) + log(1, "still going\n"), false);
  const p = startCli(["logs", "-f", BUILD], env());
  await p.waitFor(/still going/);
  p.interrupt();
  const run = await p.done;
  assert.is(run.code, 130, run.stderr);
  assert.match(run.stderr, /interrupted: build b3f9a0c1d2e4f567 has no verdict yet/);

  answer = (_req, res) => sendJson(res, 404, { error: { code: "BUILD_NOT_FOUND", message: 'no build "bnope"' } });
  const missing = await runCli(["logs", "-f", "bnope"], env());
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /no build "bnope"/);
});

test.run();
