import { randomBytes } from "node:crypto";
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { durables, eventIds, publishEvent, type BuildQueued, type EventData, type EventType } from "@slipway/events";
import { queuedBuild, startService, waitUntil, withJetStream, type RunningService } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startFakeGithub, type FakeGithub, type RecordedRequest } from "./fake-github.js";

// The service on real NATS against a local stand-in for GitHub's API (GitHub cannot be reached
// from here), configured as a GitHub Enterprise URL.
const TOKEN = "ghp_" + randomBytes(12).toString("hex");
const PUBLIC_URL = "http://ci.example.com:5000";
const DIGEST = "sha256:" + "5".repeat(64);

const bus = withJetStream(test);
type Ctx = { github: FakeGithub; env: Record<string, string>; svc: RunningService | null; outputs: string[] };
let ctx: Ctx | null = null;

function need(): Ctx {
  if (!ctx) throw new Error("setup failed");
  return ctx;
}

test.before(async () => {
  const github = bus.own(await startFakeGithub(TOKEN));
  const env = {
    SLIPWAY_NATS_URL: bus.nats.url,
    SLIPWAY_GITHUB_TOKEN: TOKEN,
    SLIPWAY_GITHUB_API_URL: github.url,
    SLIPWAY_PUBLIC_URL: PUBLIC_URL,
    SLIPWAY_GITHUB_RETRIES: "2",
    SLIPWAY_GITHUB_RETRY_DELAY_MS: "50",
    SLIPWAY_LOG_LEVEL: "debug",
  };
  ctx = { github, env, svc: null, outputs: [] };
  // Started before anything is published: a new consumer starts at new events.
  await start();
});

async function start(): Promise<RunningService> {
  const c = need();
  c.svc = bus.own(await startService("github-status", c.env));
  return c.svc;
}

/** Stops the service gracefully (or collects a killed one); keeps its output for the token check. */
async function stop(): Promise<number | null> {
  const c = need();
  const svc = c.svc;
  c.svc = null;
  if (!svc) return null;
  const code = await svc.stop();
  c.outputs.push(svc.output());
  return code;
}

function build(buildId: string, fields: Partial<BuildQueued> = {}): BuildQueued {
  return queuedBuild(buildId, { image: `127.0.0.1:5500/shop${fields.dockerfile?.replace(/^Dockerfile/, "") ?? ""}`, contextObject: "ctx", repo: { key: "acme/shop", name: "shop", owner: "acme" }, buildNumber: 3, ...fields });
}

let seq = 0;
async function publish<T extends EventType>(type: T, data: EventData<T>): Promise<void> {
  seq += 1;
  await publishEvent(bus.js, type, data, { id: `${type}-${seq}-${randomBytes(4).toString("hex")}`, correlationId: "int-delivery", causationId: null });
}

/** What the fake stored for a commit and context: `state description`, oldest first. */
function shown(sha: string, context: string): string[] {
  return need()
    .github.statuses(sha)
    .filter((s) => s.context === context)
    .map((s) => `${s.state} ${s.description}`);
}

function requestsFor(sha: string): RecordedRequest[] {
  return need().github.requests.filter((r) => r.path.includes(sha));
}

async function waitForStatuses(sha: string, context: string, count: number): Promise<void> {
  await waitUntil(async () => shown(sha, context).length >= count, 30_000, `${count} statuses of ${context} on ${sha.slice(0, 7)}\n${need().svc?.output() ?? ""}`, 50);
}

/** Waits until the consumer has nothing pending or unacknowledged: every event was handled. */
async function waitForConsumerIdle(): Promise<void> {
  const { jsm } = bus;
  await waitUntil(
    async () => {
      const info = await jsm.consumers.info(durables.githubStatus.stream, durables.githubStatus.name);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    30_000,
    "github-status consumer idle",
    100,
  );
}

const requestLine = (r: RecordedRequest) => `${r.method} ${r.answered ?? "no answer"}`;

test("github-status - pending, pending, success for a pushed build; 5xx retried until one POST is accepted", async () => {
  const { github } = need();
  const a = build("bgh0000000000001");
  // 2 retries per delivery: the first delivery fails 3 times and is given back; the second one's
  // check of what GitHub shows fails once, is retried, and its POST is accepted.
  github.failNext(4);
  await publish("BuildQueued", a);
  await waitForStatuses(a.sha, "slipway/Dockerfile", 1);
  assert.equal(requestsFor(a.sha).map(requestLine), ["POST 500", "POST 500", "POST 500", "GET 500", "GET 200", "POST 201"]);
  const posts = requestsFor(a.sha).filter((r) => r.method === "POST");
  for (const post of posts) {
    assert.is(post.path, `/api/v3/repos/acme/shop/statuses/${a.sha}`);
    assert.is(post.authorization, `token ${TOKEN}`);
    assert.equal(post.body, { state: "pending", context: "slipway/Dockerfile", description: "Build #3 queued", target_url: `${PUBLIC_URL}/#/builds/${a.buildId}` });
  }

  await publish("BuildStarted", { buildId: a.buildId, builder: "host:1", attempt: 1 });
  await waitForStatuses(a.sha, "slipway/Dockerfile", 2);
  await publishEvent(bus.js, "ImagePushed", { buildId: a.buildId, image: a.image, tags: a.tags, digest: DIGEST, attempt: 1 }, { id: eventIds.verdict(a.buildId), correlationId: a.deliveryId, causationId: null });
  await waitForStatuses(a.sha, "slipway/Dockerfile", 3);
  assert.equal(shown(a.sha, "slipway/Dockerfile"), ["pending Build #3 queued", "pending Build #3 building", "success Build #3 pushed shop sha256:555555555555"]);
  assert.equal(
    github.statuses(a.sha).map((s) => s.target_url),
    Array.from({ length: 3 }, () => `${PUBLIC_URL}/#/builds/${a.buildId}`),
  );
  assert.is(requestsFor(a.sha).filter((r) => r.answered === 201).length, 3, "one accepted POST per status");
});

test("github-status - one context per Dockerfile: a failure with its stage and reason, within 140 characters", async () => {
  const a = build("bgh0000000000002");
  const test_ = build("bgh0000000000003", { sha: a.sha, dockerfile: "Dockerfile_test" });
  await publish("BuildQueued", a);
  await publish("BuildQueued", test_);
  await waitForStatuses(a.sha, "slipway/Dockerfile_test", 1);
  const message = "step #4 [2/2] RUN make test failed: process \"/bin/sh -c make test\" did not complete successfully: exit code: 2\n" + "FAIL tests/x\n".repeat(30);
  await publish("BuildFailed", { buildId: test_.buildId, stage: "build", code: "DOCKER_BUILD_FAILED", message, attempt: 1 });
  await waitForStatuses(a.sha, "slipway/Dockerfile_test", 2);
  const statuses = shown(a.sha, "slipway/Dockerfile_test");
  assert.is(statuses[0], "pending Build #3 queued");
  assert.match(statuses[1] ?? "", /^failure Build #3 failed at build: step #4 \[2\/2\] RUN make test failed: process "\/bin\/sh -c make test"/);
  const failure = need().github.statuses(a.sha).find((s) => s.state === "failure");
  assert.ok(failure?.description && failure.description.length <= 140);
  assert.is(failure?.target_url, `${PUBLIC_URL}/#/builds/${test_.buildId}`);
  assert.equal(shown(a.sha, "slipway/Dockerfile"), ["pending Build #3 queued"], "the other Dockerfile's context is its own");
});

test("github-status - a repository without an owner gets no status", async () => {
  const ownerless = build("bgh0000000000004", { repo: { key: "fruty_docker-ci", name: "fruty_docker-ci", owner: null } });
  const after = build("bgh0000000000005");
  await publish("BuildQueued", ownerless);
  await publish("BuildStarted", { buildId: ownerless.buildId, builder: "host:1", attempt: 1 });
  await publish("BuildQueued", after);
  // Events are handled in stream order: once the later build's status is there, the ownerless ones were handled.
  await waitForStatuses(after.sha, "slipway/Dockerfile", 1);
  assert.equal(requestsFor(ownerless.sha), []);
});

test("github-status - a late pending never overwrites the verdict", async () => {
  const { github } = need();
  const b = build("bgh0000000000006");
  const tried = (description: string) => waitUntil(async () => requestsFor(b.sha).some((r) => r.method === "POST" && r.answered === 500 && JSON.stringify(r.body).includes(description)), 30_000, `${description} tried`, 50);
  // GitHub is down while the build goes through its phases: each status fails and is given back,
  // so the queued and started events come back after the verdict is stored.
  github.failNext(1_000_000);
  try {
    await publish("BuildQueued", b);
    await tried("Build #3 queued");
    await publish("BuildStarted", { buildId: b.buildId, builder: "host:1", attempt: 1 });
    await tried("Build #3 building");
    await publish("ImagePushed", { buildId: b.buildId, image: b.image, tags: b.tags, digest: DIGEST, attempt: 1 });
    await tried("Build #3 pushed");
  } finally {
    github.failNext(0);
  }
  await waitForStatuses(b.sha, "slipway/Dockerfile", 1);
  await waitForConsumerIdle();
  assert.equal(shown(b.sha, "slipway/Dockerfile"), ["success Build #3 pushed shop sha256:555555555555"]);
});

test("github-status - killed between GitHub's acceptance and the ack: the redelivery posts nothing twice", async () => {
  const { github } = need();
  const c = build("bgh0000000000007");
  await publish("BuildQueued", c);
  await waitForStatuses(c.sha, "slipway/Dockerfile", 1);
  // GitHub stores the "building" status, and the service dies before it hears back.
  const pid = need().svc?.pid ?? -1;
  github.onStatus = (s) => {
    if (s.sha !== c.sha || s.state !== "pending" || !s.description?.includes("building")) return "answer";
    process.kill(pid, "SIGKILL");
    return "hang";
  };
  try {
    await publish("BuildStarted", { buildId: c.buildId, builder: "host:1", attempt: 1 });
    await need().svc?.exited;
  } finally {
    github.onStatus = null;
  }
  await stop();
  await start();
  // The unacked message comes back after the consumer's ack wait (10 s).
  await waitUntil(async () => requestsFor(c.sha).some((r) => r.method === "GET"), 40_000, "the redelivery's check", 100);
  await waitForConsumerIdle();
  await publish("ImagePushed", { buildId: c.buildId, image: c.image, tags: c.tags, digest: DIGEST, attempt: 1 });
  await waitForStatuses(c.sha, "slipway/Dockerfile", 3);
  assert.equal(shown(c.sha, "slipway/Dockerfile"), ["pending Build #3 queued", "pending Build #3 building", "success Build #3 pushed shop sha256:555555555555"]);
  assert.equal(requestsFor(c.sha).map(requestLine), ["POST 201", "POST no answer", "GET 200", "POST 201"]);
});

test("github-status - replaying the stream through a reset consumer posts nothing again", async () => {
  const { github } = need();
  assert.is(await stop(), 0, "graceful stop exits 0");
  const before = github.requests.length;
  const spec = durables.githubStatus;
  // An operator's reset: the consumer recreated from the start of the stream.
  await bus.jsm.consumers.delete(spec.stream, spec.name);
  await bus.jsm.consumers.add(spec.stream, { durable_name: spec.name, filter_subject: spec.filter, ack_policy: AckPolicy.Explicit, ack_wait: nanos(spec.ackWaitMs), deliver_policy: DeliverPolicy.All });
  await start();
  await waitForConsumerIdle();
  assert.is(github.requests.length, before, "every status is known to be posted: no POST, no GET");
});

test("github-status - the token never appears in the service's output", async () => {
  const c = need();
  const outputs = [...c.outputs, c.svc?.output() ?? ""];
  assert.ok(outputs.join("").includes("[redacted]"), "the config is logged with the token redacted");
  for (const out of outputs) assert.not.ok(out.includes(TOKEN));
});

test.run();
