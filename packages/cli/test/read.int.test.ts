import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishEncoded, publishEvent, STREAM_EVENTS, type EventData } from "@slipway/events";
import { freePort, projectorEnv, startService, waitUntil, withJetStream } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { messyHistory } from "../../projector/test/history.js";
import { runCli, startCli } from "./run-cli.js";

/**
 * The real `slipway` binary against a real NATS and the real projector: reads (builds, logs),
 * live views (logs -f, watch), replay, and the exit codes of a missing token or projector.
 */

const TOKEN = "cli-int-token";
const REPO = { key: "acme/shop", name: "shop", owner: "acme" };
const SHA = "c".repeat(40);
const DIGEST = "sha256:" + "e".repeat(64);
const bus = withJetStream(test);
type Ctx = { dir: string; url: string; env: Record<string, string> };
let ctx: Ctx | null = null;

function need(): Ctx {
  if (!ctx) throw new Error("setup failed");
  return ctx;
}

async function api(path: string): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(need().url + path, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const links = (id: string) => ({ id, correlationId: "cli-delivery", causationId: null });

function queued(buildId: string): EventData<"BuildQueued"> {
  return { buildId, deliveryId: "cli-delivery", repo: REPO, sha: SHA, branch: "main", dockerfile: "Dockerfile", image: "127.0.0.1:5500/shop", tags: [SHA, "main"], buildNumber: 1, contextObject: "ctx" };
}

async function chunk(buildId: string, seq: number, offset: number, text: string): Promise<void> {
  await publishEvent(bus.js, "BuildLogChunk", { buildId, attempt: 1, seq, offset, text }, links(`l-${buildId}-${seq}`));
}

test.before(async () => {
  const dir = await mkdtemp(join(tmpdir(), "cli-int-"));
  for (const event of messyHistory(7, 80)) await publishEncoded(bus.js, event);
  const port = await freePort();
  bus.own(await startService("projector", projectorEnv({ natsUrl: bus.nats.url, port, dir, token: TOKEN })));
  const url = `http://127.0.0.1:${port}`;
  ctx = { dir, url, env: { SLIPWAY_PROJECTOR_URL: url, SLIPWAY_NATS_URL: bus.nats.url, SLIPWAY_API_TOKEN: TOKEN } };
  const lastSeq = (await bus.jsm.streams.info(STREAM_EVENTS)).state.last_seq;
  await waitUntil(async () => (await api("/healthz")).body.checkpoint === lastSeq, 20_000, "projector caught up");
});

test.after(async () => {
  if (ctx) await rm(ctx.dir, { recursive: true, force: true });
});

test("builds --json - equals the API's answer, with filters, --as-of and --all", async () => {
  const { env } = need();
  const json = async (args: string[]) => {
    const run = await runCli(["builds", "--json", ...args], env);
    assert.is(run.code, 0, run.stderr);
    return JSON.parse(run.stdout);
  };
  const first = await api("/builds?limit=20");
  assert.is(first.body.builds.length, 20);
  assert.equal(await json([]), first.body);
  assert.equal(await json(["--repo", "acme/shop", "--branch", "main", "--limit", "5"]), (await api("/builds?repo=acme%2Fshop&branch=main&limit=5")).body);
  assert.equal(await json(["--status", "failed"]), (await api("/builds?status=failed&limit=20")).body);
  assert.equal(await json(["--as-of", "40"]), (await api("/builds?asOf=40&limit=20")).body);

  const every: unknown[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { builds: unknown[]; nextCursor: string | null } } = await api(`/builds?limit=7${cursor ? `&cursor=${cursor}` : ""}`);
    every.push(...page.body.builds);
    cursor = page.body.nextCursor;
  } while (cursor !== null);
  const all = await json(["--all"]);
  assert.ok(every.length > 20, `${every.length} builds`);
  assert.equal(all, { builds: every, nextCursor: null });
});

test("builds - a table for people: the API's order, aligned; the asOf sequence on stderr", async () => {
  const { env } = need();
  const run = await runCli(["builds", "--limit", "3", "--as-of", "50"], env);
  assert.is(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^ID\s+STATUS\s+REPO\s+BRANCH\s+SHA\s+DOCKERFILE -> IMAGE\s+DURATION\s+QUEUED$/);
  const ids = (await api("/builds?limit=3&asOf=50")).body.builds.map((b: { id: string }) => b.id);
  assert.equal(lines.slice(1).map((l) => l.split(/\s+/)[0]), ids);
  assert.match(run.stderr, /as of stream sequence 50\n/);
  assert.match(run.stderr, /more match: --all/);
  const none = await runCli(["builds", "--repo", "nobody/none"], env);
  assert.is(none.code, 0);
  assert.is(none.stdout, "");
  assert.match(none.stderr, /no builds match/);
});

test("builds - a bad value is the API's 400 as a usage error (exit 2)", async () => {
  const run = await runCli(["builds", "--as-of", "yesterday"], need().env);
  assert.is(run.code, 2);
  assert.match(run.stderr, /asOf must be a stream sequence/);
});

test("access - no token or a wrong one is exit 2 naming SLIPWAY_API_TOKEN; no projector exit 2", async () => {
  const { env } = need();
  const missing = await runCli(["builds"], { ...env, SLIPWAY_API_TOKEN: "" });
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /wants its API token: set SLIPWAY_API_TOKEN/);
  const wrong = await runCli(["logs", "-f", "b000000000000001"], { ...env, SLIPWAY_API_TOKEN: "nope" });
  assert.is(wrong.code, 2);
  assert.match(wrong.stderr, /refused the API token: SLIPWAY_API_TOKEN/);
  const gone = await runCli(["builds"], { ...env, SLIPWAY_PROJECTOR_URL: `http://127.0.0.1:${await freePort()}` });
  assert.is(gone.code, 2);
  assert.match(gone.stderr, /no projector answers at/);
});

test("logs -f - prints the chunks as they are published, then the verdict; exit 0 when pushed", async () => {
  const { env } = need();
  const id = "bcli000000000001";
  await publishEvent(bus.js, "BuildQueued", queued(id), links(`q-${id}`));
  await publishEvent(bus.js, "BuildStarted", { buildId: id, builder: "int:1", attempt: 1 }, links(`s-${id}`));
  const texts = ["#1 [1/2] FROM busybox\n", "#2 [2/2] RUN echo hé", "llo\n#2 DONE 0.1s\n"];
  // Offsets are byte positions in the log: "é" is two.
  const offsets = texts.map((_, i) => texts.slice(0, i).reduce((n, t) => n + Buffer.byteLength(t), 0));
  await chunk(id, 0, offsets[0]!, texts[0]!);
  const follow = startCli(["logs", "-f", id], env);
  await follow.waitFor(/FROM busybox\n/);
  await chunk(id, 1, offsets[1]!, texts[1]!);
  await chunk(id, 2, offsets[2]!, texts[2]!);
  await publishEvent(bus.js, "ImagePushed", { buildId: id, image: "127.0.0.1:5500/shop", tags: [SHA, "main"], digest: DIGEST, attempt: 1 }, links(`p-${id}`));
  const run = await follow.done;
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout, "#1 [1/2] FROM busybox\n#2 [2/2] RUN echo héllo\n#2 DONE 0.1s\n");
  assert.match(run.stderr, /build bcli000000000001 pushed 127\.0\.0\.1:5500\/shop \(ccccccc, main\) sha256:eeeeeeeeeeee/);
  // A finished build replays its whole log and ends at once; plain `logs` has the file.
  const again = await runCli(["logs", "-f", id], env);
  assert.is(again.code, 0);
  assert.is(again.stdout, run.stdout);
  await waitUntil(async () => (await runCli(["logs", id], env)).stdout === run.stdout, 15_000, "log file written");
});

test("logs -f - exit 1 when the build fails; an unknown build is exit 1 too", async () => {
  const { env } = need();
  const id = "bcli000000000002";
  await publishEvent(bus.js, "BuildQueued", queued(id), links(`q-${id}`));
  const follow = startCli(["logs", "-f", id], env);
  await chunk(id, 0, 0, "#5 ERROR: process did not complete\n");
  await follow.waitFor(/ERROR/);
  await publishEvent(bus.js, "BuildFailed", { buildId: id, stage: "build", code: "DOCKER_BUILD_FAILED", message: "step #5 failed", attempt: 1 }, links(`f-${id}`));
  const run = await follow.done;
  assert.is(run.code, 1, run.stderr);
  assert.match(run.stderr, /failed at build \(DOCKER_BUILD_FAILED\): step #5 failed/);
  const unknown = await runCli(["logs", "-f", "bnobody"], env);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /BUILD_NOT_FOUND/);
});

test("watch - one line per event published while it runs, log lines by build, and what is no event", async () => {
  const { env } = need();
  const id = "bcli000000000003";
  const watch = startCli(["watch"], env);
  await watch.waitFor(/watching ci\.> on /, 15_000, "stderr");
  await publishEvent(bus.js, "BuildQueued", queued(id), links(`q-${id}`));
  await chunk(id, 0, 0, "hello\nwor");
  await chunk(id, 1, 9, "ld\n");
  await publishEvent(bus.js, "BuildCancelled", { buildId: id, reason: "wrong commit", requestedBy: "alice" }, links(`c-${id}`));
  bus.nc.publish("ci.junk.here", "not json");
  await watch.waitFor(/ci\.junk\.here <8 bytes, not an event>/);
  watch.interrupt();
  const run = await watch.done;
  assert.is(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split("\n");
  assert.is(lines.length, 5, run.stdout);
  assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} BuildQueued\s+bcli000000000003 acme\/shop main ccccccc Dockerfile -> 127\.0\.0\.1:5500\/shop #1$/);
  assert.match(lines[1]!, /^bcli0000 \| hello$/);
  assert.match(lines[2]!, /^bcli0000 \| world$/);
  assert.match(lines[3]!, /BuildCancelled\s+bcli000000000003 cancelled by alice: wrong commit$/);
  assert.match(lines[4]!, /^\d\d:\d\d:\d\d\.\d{3} ci\.junk\.here <8 bytes, not an event>$/);
});

test("watch --json - the event and its subject per line, on the subject filter given", async () => {
  const { env } = need();
  const id = "bcli000000000004";
  const watch = startCli(["watch", "ci.build.>", "--json"], env);
  await watch.waitFor(/watching ci\.build\.>/, 15_000, "stderr");
  await chunk(id, 0, 0, "not on ci.build.>\n");
  const { event } = await publishEvent(bus.js, "BuildQueued", queued(id), links(`q-${id}`));
  await watch.waitFor(/BuildQueued/);
  watch.interrupt();
  const run = await watch.done;
  assert.is(run.code, 0, run.stderr);
  assert.equal(run.stdout.trimEnd().split("\n").map((l) => JSON.parse(l)), [{ subject: `ci.build.${id}.queued`, ...event }]);
});

test("replay - the live view rebuilt with progress, exit 0; --out --to a sequence replays into a folder", async () => {
  const { env, dir } = need();
  const live = await runCli(["replay", "--json"], env);
  assert.is(live.code, 0, live.stderr);
  const status = JSON.parse(live.stdout);
  assert.is(status.state, "done");
  assert.is(status.seq, (await bus.jsm.streams.info(STREAM_EVENTS)).state.last_seq);
  const out = join(dir, "view-at-30");
  const offline = await runCli(["replay", "--out", out, "--to", "30"], env);
  assert.is(offline.code, 0, offline.stderr);
  assert.match(offline.stdout, /^replayed 30 events into .*view-at-30.*up to sequence 30\n$/);
  const twice = await runCli(["replay", "--out", out], env);
  assert.is(twice.code, 2, "a replay never writes over a view");
  assert.match(twice.stderr, /exists already/);
});

test.run();
