import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishEncoded, publishEvent, STREAM_EVENTS } from "@slipway/events";
import { freePort, repoRoot, projectorEnv, startService, waitUntil, withJetStream } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildIdOf, messyHistory, queuedOf } from "./history.js";

/**
 * Replay and time travel against a real NATS and the real projector process, driven by the
 * real `npm run replay` command: the rebuilt view equals the live one record for record, the
 * API answers throughout, and `asOf` agrees with a replay stopped at the same point.
 */

const TOKEN = "replay-int-token";
const REPLAY_CLI = join(repoRoot(), "packages/projector/dist/cli/replay.js");
const bus = withJetStream(test);
type Ctx = { dir: string; url: string; lastSeq: number };
let ctx: Ctx | null = null;

function need(): Ctx {
  if (!ctx) throw new Error("setup failed");
  return ctx;
}

async function getJson(path: string, url = need().url): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url + path, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Runs the replay command; resolves to its exit code and output. */
function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [REPLAY_CLI, ...args], { env: { ...process.env, SLIPWAY_API_TOKEN: TOKEN, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every build (full record) and delivery (detail) the API has, by id: pages, then each record. */
async function wholeView(url = need().url, asOf = ""): Promise<{ builds: Record<string, unknown>; deliveries: Record<string, unknown> }> {
  const all = async (list: "builds" | "deliveries", key: string) => {
    const out: Record<string, unknown> = {};
    let cursor: string | null = null;
    do {
      const page: { body: Record<string, any> } = await getJson(`/${list}?limit=1000${asOf}${cursor ? `&cursor=${cursor}` : ""}`, url);
      for (const item of page.body[list]) out[item[key]] = (await getJson(`/${list}/${item[key]}?${asOf.slice(1)}`, url)).body;
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    return out;
  };
  return { builds: await all("builds", "id"), deliveries: await all("deliveries", "deliveryId") };
}

test.before(async () => {
  const dir = await mkdtemp(join(tmpdir(), "projector-replay-"));
  for (const event of messyHistory(11, 120)) await publishEncoded(bus.js, event);
  const port = await freePort();
  bus.own(await startService("projector", projectorEnv({ natsUrl: bus.nats.url, port, dir, token: TOKEN })));
  const lastSeq = (await bus.jsm.streams.info(STREAM_EVENTS)).state.last_seq;
  ctx = { dir, url: `http://127.0.0.1:${port}`, lastSeq };
  await waitUntil(async () => (await getJson("/healthz")).body.checkpoint === lastSeq, 20_000, "projector caught up");
});

test.after(async () => {
  if (ctx) await rm(ctx.dir, { recursive: true, force: true });
});

test("replay - npm run replay rebuilds the view, the API answers throughout, and every record is as before", async () => {
  const { url } = need();
  const before = await wholeView();
  assert.ok(Object.keys(before.builds).length > 100, `${Object.keys(before.builds).length} builds`);
  let answered = 0;
  let refused = 0;
  let done = false;
  const poll = (async () => {
    while (!done) {
      const res = await getJson("/builds?limit=5");
      if (res.status === 200 && res.body.builds.length === 5) answered++;
      else refused++;
    }
  })();
  const run = await runCli(["--url", url, "--json"]);
  done = true;
  await poll;
  assert.is(run.code, 0, run.stderr);
  const outcome = JSON.parse(run.stdout);
  assert.is(outcome.state, "done");
  assert.is(outcome.seq, need().lastSeq, "replayed to the end of the stream");
  assert.ok(outcome.applied >= need().lastSeq, `${outcome.applied} events folded`);
  assert.match(run.stderr, /replay: \d+\/\d+ events/, "progress is shown (a line when stderr is no terminal)");
  assert.ok(answered > 0 && refused === 0, `the API answered ${answered} requests during the replay, failed ${refused}`);
  assert.equal(await wholeView(), before, "the rebuilt view equals the live one");
  assert.is((await getJson("/replay")).body.state, "done");
});

test("replay - the live projection goes on after the swap", async () => {
  const event = queuedOf(5000, 9000, 5000);
  await publishEncoded(bus.js, event);
  await waitUntil(async () => (await getJson(`/builds/${buildIdOf(5000)}`)).status === 200, 15_000, "a build queued after the replay is in the view");
  await publishEvent(bus.js, "BuildStarted", { buildId: buildIdOf(5000), builder: "h:1", attempt: 1 }, { id: "s-after-replay", correlationId: "delivery-05000", causationId: null });
  await waitUntil(async () => (await getJson(`/builds/${buildIdOf(5000)}`)).body.status === "running", 15_000, "and its start");
});

test("time travel - asOf a sequence equals a replay stopped there (npm run replay -- --out --to --serve)", async () => {
  const { lastSeq, dir } = need();
  const mid = Math.floor(lastSeq / 2);
  const port = await freePort();
  const child = spawn(process.execPath, [REPLAY_CLI, "--out", join(dir, "past"), "--to", String(mid), "--serve", String(port)], { env: { ...process.env, SLIPWAY_NATS_URL: bus.nats.url } });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  try {
    await waitUntil(async () => out.includes("serving that view"), 30_000, "the replay into a folder serves its view");
    assert.match(out, new RegExp(`up to sequence ${mid}\\b`));
    const past = await wholeView(`http://127.0.0.1:${port}`);
    const asOf = await wholeView(need().url, `&asOf=${mid}`);
    assert.ok(Object.keys(past.builds).length > 20, "the past has builds");
    assert.ok(Object.keys(past.builds).length < Object.keys((await wholeView()).builds).length, "fewer than now");
    assert.equal(asOf, past, "asOf and the stopped replay agree on every record");
    const res = await getJson(`/builds?asOf=${mid}`);
    assert.is(res.headers.get("slipway-as-of-seq"), String(mid));
  } finally {
    child.kill("SIGTERM");
  }
});

test("time travel - asOf a time equals a replay stopped before the first event stamped after it", async () => {
  const { dir } = need();
  const at = "2026-01-01T12:01:00Z";
  const run = await runCli(["--out", join(dir, "past-time"), "--to", at, "--json"], { SLIPWAY_NATS_URL: bus.nats.url });
  assert.is(run.code, 0, run.stderr);
  const outcome = JSON.parse(run.stdout);
  assert.is(outcome.stoppedBy, "time");
  const res = await getJson(`/builds?asOf=${encodeURIComponent(at)}&limit=1000`);
  assert.is(res.headers.get("slipway-as-of-seq"), String(outcome.checkpoint), "the same point in the stream");
  assert.is(res.body.builds.length, outcome.builds);
  const again = await runCli(["--out", join(dir, "past-time"), "--to", at]);
  assert.is(again.code, 2, "a second replay into the same folder is refused");
  assert.match(again.stderr, /exists already: pick another --out folder/);
});

test("provenance - the chain of an image comes from the stream", async () => {
  const pushed = (await getJson("/builds?status=succeeded&limit=1")).body.builds[0];
  const res = await getJson(`/provenance?image=${encodeURIComponent(pushed.image)}&digest=${pushed.digest}`);
  assert.is(res.status, 200);
  const entry = res.body.builds.find((b: { build: { id: string } }) => b.build.id === pushed.id);
  assert.ok(entry, "the build is among the image's builds");
  const types = entry.chain.map((l: { type: string }) => l.type);
  assert.is(types[types.length - 1], "ImagePushed");
  assert.ok(types.includes("BuildQueued"));
  for (const link of entry.chain) {
    assert.is(link.event?.id, link.id, `event ${link.seq} read from the stream`);
    const stored = await bus.jsm.streams.getMessage(STREAM_EVENTS, { seq: link.seq });
    assert.is(JSON.parse(stored!.string()).id, link.id);
  }
});

test("replay - without the token the command says what to set, exit 2", async () => {
  const run = await runCli(["--url", need().url], { SLIPWAY_API_TOKEN: "" });
  assert.is(run.code, 2);
  assert.match(run.stderr, /wants its API token: set SLIPWAY_API_TOKEN/);
});

test.run();
