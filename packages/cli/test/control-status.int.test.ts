import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConsumerMessages } from "@nats-io/jetstream";
import { decodeEvent, durables, ensureDurable, publishEvent, STREAM_EVENTS, STREAM_LOGS, subjects, type EventData } from "@slipway/events";
import { freePort, projectorEnv, startService, waitUntil, withJetStream, type RunningService } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCli } from "./run-cli.js";

/**
 * `status`, `trigger`, `retry` and `cancel` of the real binary against real NATS, ingress and
 * projector (which forwards the build control API to ingress).
 */

const TOKEN = "cli-control-token";
const REPO = { key: "acme/shop", name: "shop", owner: "acme" };
const SHA = "a".repeat(40);
const DONE = "bctl000000000001";
const RUNNING = "bctl000000000002";
const bus = withJetStream(test);
type Ctx = { dir: string; projector: RunningService; ingressUrl: string; env: Record<string, string> };
let ctx: Ctx | null = null;

function need(): Ctx {
  if (!ctx) throw new Error("setup failed");
  return ctx;
}

const links = (id: string) => ({ id, correlationId: "ctl-delivery", causationId: null });
const queued = (buildId: string): EventData<"BuildQueued"> => ({ buildId, deliveryId: "ctl-delivery", repo: REPO, sha: SHA, branch: "main", dockerfile: "Dockerfile", image: "127.0.0.1:5500/shop", tags: [SHA], buildNumber: 1, contextObject: "ctx" });

test.before(async () => {
  const dir = await mkdtemp(join(tmpdir(), "cli-control-"));
  for (const id of [DONE, RUNNING]) await publishEvent(bus.js, "BuildQueued", queued(id), links(`q-${id}`));
  await publishEvent(bus.js, "BuildStarted", { buildId: RUNNING, builder: "int:1", attempt: 1 }, links("s-running"));
  await publishEvent(bus.js, "BuildFailed", { buildId: DONE, stage: "build", code: "DOCKER_BUILD_FAILED", message: "boom", attempt: 1 }, links("f-done"));
  for (let i = 0; i < 3; i++) await publishEvent(bus.js, "BuildLogChunk", { buildId: RUNNING, attempt: 1, seq: i, offset: i * 5, text: `line${i}` }, links(`l-${i}`));
  const ingressPort = await freePort();
  const ingressUrl = `http://127.0.0.1:${ingressPort}`;
  bus.own(await startService("ingress", { SLIPWAY_NATS_URL: bus.nats.url, SLIPWAY_INGRESS_HOST: "127.0.0.1", SLIPWAY_INGRESS_PORT: String(ingressPort), SLIPWAY_API_TOKEN: TOKEN }));
  const port = await freePort();
  const projector = bus.own(await startService("projector", { ...projectorEnv({ natsUrl: bus.nats.url, port, dir, token: TOKEN }), SLIPWAY_INGRESS_URL: ingressUrl }));
  const env = { SLIPWAY_PROJECTOR_URL: `http://127.0.0.1:${port}`, SLIPWAY_NATS_URL: bus.nats.url, SLIPWAY_INGRESS_URL: ingressUrl, SLIPWAY_API_TOKEN: TOKEN, SLIPWAY_USER: "alice" };
  ctx = { dir, projector, ingressUrl, env };
  await waitUntil(async () => (await runCli(["builds", "--json"], env)).stdout.includes(RUNNING), 20_000, "projector caught up");
});

test.after(async () => {
  if (ctx) await rm(ctx.dir, { recursive: true, force: true });
});

/** The last event stored on `subject`, decoded. */
async function lastOn(subject: string) {
  const msg = await bus.jsm.streams.getMessage(STREAM_EVENTS, { last_by_subj: subject });
  assert.ok(msg, `an event on ${subject}`);
  return decodeEvent(msg!.data);
}

test("trigger - through the projector to ingress: a WebhookReceived by SLIPWAY_USER", async () => {
  const run = await runCli(["trigger", "acme/shop", "main", "--json"], need().env);
  assert.is(run.code, 0, run.stderr);
  const answer = JSON.parse(run.stdout);
  assert.is(answer.status, "accepted");
  assert.match(answer.deliveryId, /^manual-/);
  const event = await lastOn(subjects.webhookReceived("acme/shop"));
  assert.is(event.type, "WebhookReceived");
  if (event.type !== "WebhookReceived") return;
  assert.equal([event.data.deliveryId, event.data.source, event.data.ref, event.data.pusher], [answer.deliveryId, "manual", "refs/heads/main", "alice"]);
});

test("retry and cancel - through the projector: new events, and 409s as exit 1", async () => {
  const { env } = need();
  const retry = await runCli(["retry", DONE], env);
  assert.is(retry.code, 0, retry.stderr);
  const newId = /queued again as (\S+)/.exec(retry.stdout)?.[1];
  assert.ok(newId, retry.stdout);
  const again = await lastOn(subjects.build(newId!, "queued"));
  assert.ok(again.type === "BuildQueued" && again.data.retryOf === DONE && again.data.requestedBy === "alice");

  const cancel = await runCli(["cancel", RUNNING, "--reason", "wrong commit"], env);
  assert.is(cancel.code, 0, cancel.stderr);
  const asked = await lastOn(subjects.build(RUNNING, "cancelrequested"));
  assert.ok(asked.type === "BuildCancelRequested" && asked.data.reason === "wrong commit" && asked.data.requestedBy === "alice");

  const busy = await runCli(["retry", RUNNING], env);
  assert.is(busy.code, 1);
  assert.match(busy.stderr, /409 BUILD_RUNNING/);
  const finished = await runCli(["cancel", DONE], env);
  assert.is(finished.code, 1);
  assert.match(finished.stderr, /409 BUILD_FINISHED/);
  const unknown = await runCli(["retry", "bnobody"], env);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /404 BUILD_NOT_FOUND/);
  const noToken = await runCli(["trigger", "acme/shop", "main"], { ...env, SLIPWAY_API_TOKEN: "" });
  assert.is(noToken.code, 2);
  assert.match(noToken.stderr, /SLIPWAY_API_TOKEN/);
});

test("trigger - straight at ingress's own port, the same routes answer the same", async () => {
  const { env, ingressUrl } = need();
  const run = await runCli(["trigger", "acme/shop", "refs/tags/v1", "--url", ingressUrl], env);
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /^build of acme\/shop refs\/tags\/v1 requested\n$/);
  const bad = await runCli(["trigger", "acme/shop", "a..b", "--url", ingressUrl], env);
  assert.is(bad.code, 2, "a ref git refuses is a usage error");
});

type Puller = { stop(): Promise<void> };

/** Stands in for a running service: keeps a pull request waiting on its consumer, acks what comes. */
async function pullLike(durable: (typeof durables)["gitSync" | "builders"]): Promise<Puller> {
  await ensureDurable(bus.jsm, durable);
  const consumer = await bus.js.consumers.get(durable.stream, durable.name);
  let stopped = false;
  let batch: ConsumerMessages | null = null;
  const loop = (async () => {
    while (!stopped) {
      batch = await consumer.fetch({ max_messages: 1, expires: 5_000 });
      for await (const msg of batch) msg.ack();
    }
  })();
  return {
    async stop() {
      stopped = true;
      batch?.stop();
      await loop.catch(() => undefined);
    },
  };
}

test("status - streams, consumers by service and the services; exit 0 only while all of them run", async () => {
  const { env } = need();
  const down = await runCli(["status", "--json"], env);
  assert.is(down.code, 1, `builder and git-sync are not running: ${down.stderr}`);
  const report = JSON.parse(down.stdout);
  const byName = Object.fromEntries(report.services.map((s: { name: string; state: string }) => [s.name, s.state]));
  assert.equal(byName, { projector: "ready", ingress: "ready", "git-sync": "down", builder: "down", "github-status": "off" });
  const events = await bus.jsm.streams.info(STREAM_EVENTS);
  const logs = await bus.jsm.streams.info(STREAM_LOGS);
  const stream = (name: string) => report.streams.find((s: { name: string }) => s.name === name);
  assert.is(stream("CI_EVENTS").messages, events.state.messages);
  assert.is(stream("CI_EVENTS").lastSeq, events.state.last_seq);
  assert.is(stream("CI_LOGS").messages, logs.state.messages);
  const projectorConsumers = report.consumers.filter((c: { service: string }) => c.service === "projector").map((c: { stream: string; name: string }) => `${c.stream}/${c.name}`);
  assert.equal(projectorConsumers.sort(), ["CI_EVENTS/projector", "CI_LOGS/projector-logs"]);
  assert.ok(report.problems.some((p: string) => p.startsWith("builder down")));

  const pullers = [await pullLike(durables.gitSync), await pullLike(durables.builders)];
  try {
    await waitUntil(async () => (await runCli(["status"], env)).code === 0, 20_000, "status exit 0 with every service running");
    const up = await runCli(["status"], env);
    assert.match(up.stdout, new RegExp(`\\nCI_EVENTS\\s+${events.state.messages}\\s+\\S+ \\S+\\s+1\\s+${events.state.last_seq}\\s+\\d+\\n`));
    assert.match(up.stdout, /\nCI_EVENTS\s+builders\s+builder\s/);
    assert.match(up.stdout, /\nbuilder\s+(up|busy)\s+consumer builders\s/);
    assert.match(up.stdout, /\ningress\s+ready\s+http:\/\/127\.0\.0\.1:\d+\s/);
    assert.match(up.stdout, /everything answered; nothing lags\n$/);
  } finally {
    for (const p of pullers) await p.stop();
  }
});

test("status - no NATS is exit 2; the projector down is exit 1", async () => {
  const { env, projector } = need();
  const noNats = await runCli(["status"], { ...env, SLIPWAY_NATS_URL: `nats://127.0.0.1:${await freePort()}` });
  assert.is(noNats.code, 2);
  assert.match(noNats.stderr, /cannot reach NATS/);
  await projector.stop();
  const run = await runCli(["status"], env);
  assert.is(run.code, 1);
  assert.match(run.stdout, /\nprojector\s+down\s+http:\/\/127\.0\.0\.1:\d+\s+ECONNREFUSED/);
  assert.match(run.stdout, /problems:\n  projector down: ECONNREFUSED/);
});

test.run();
