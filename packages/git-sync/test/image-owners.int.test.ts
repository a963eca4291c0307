import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kvm, type KV } from "@nats-io/kv";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildIdFor, decodeEvent, eventIds, publishEvent, STREAM_EVENTS, subjects, type Event, type WebhookReceived } from "@slipway/events";
import { createGitFixture, startService, waitUntil, withJetStream, type RunningService } from "@slipway/test-kit";
import { claimImageName, claimKey, IMAGE_NAME_OWNERS_BUCKET } from "../src/image-claims.js";

// Two owners with a repository of the same name, cloned from `<root>/<owner>/app.git`.
const gitRoot = mkdtempSync(join(tmpdir(), "slipway-owners-git-"));
const acme = createGitFixture("app", join(gitRoot, "acme"));
const other = createGitFixture("app", join(gitRoot, "other"));
const dataDir = mkdtempSync(join(tmpdir(), "slipway-owners-"));
const REGISTRY = "registry.test:5000";
const bus = withJetStream(test);
let svc: RunningService | undefined;
let owners: KV;

async function startGitSync(extra: Record<string, string> = {}): Promise<RunningService> {
  return bus.own(
    await startService("git-sync", {
      SLIPWAY_NATS_URL: bus.nats.url,
      SLIPWAY_GIT_URL: join(gitRoot, "{full_name}.git"),
      SLIPWAY_GIT_DATA: dataDir,
      SLIPWAY_REGISTRY: REGISTRY,
      ...extra,
    }),
  );
}

test.before(async () => {
  // No builder runs: a queued build stays queued, which is all these tests look at.
  svc = await startGitSync();
  owners = await new Kvm(bus.nc).open(IMAGE_NAME_OWNERS_BUCKET);
});

test.after(async () => {
  for (const dir of [gitRoot, dataDir]) rmSync(dir, { recursive: true, force: true });
});

async function push(deliveryId: string, owner: string): Promise<void> {
  const data: WebhookReceived = { deliveryId, source: "manual", repo: { key: `${owner}/app`, name: "app", owner }, ref: "refs/heads/master", branch: "master", requestedSha: "", defaultBranch: null, pusher: null };
  await publishEvent(bus.js, "WebhookReceived", data, { id: eventIds.webhookReceived(deliveryId), correlationId: deliveryId, causationId: null });
}

/** The build's queued or failed event, whichever git-sync published. */
async function outcome(deliveryId: string, dockerfile: string): Promise<Event> {
  const buildId = buildIdFor(deliveryId, dockerfile);
  const stored = async () =>
    (await bus.jsm.streams.getMessage(STREAM_EVENTS, { last_by_subj: subjects.build(buildId, "queued") })) ??
    (await bus.jsm.streams.getMessage(STREAM_EVENTS, { last_by_subj: subjects.build(buildId, "failed") }));
  await waitUntil(async () => (await stored()) !== null, 20_000, `${deliveryId} ${dockerfile} queued or failed\n${svc?.output() ?? ""}`, 100);
  return decodeEvent((await stored())!.data);
}

async function queuedImage(deliveryId: string, dockerfile: string): Promise<string> {
  const event = await outcome(deliveryId, dockerfile);
  if (event.type !== "BuildQueued") throw new Error(`${deliveryId} ${dockerfile}: ${event.type} ${JSON.stringify(event.data)}`);
  return event.data.image;
}

const claimOf = async (image: string) => (await owners.get(claimKey(image)))?.string();

test("image owners - the first repository to build a name claims it and its builds are queued", async () => {
  acme.commit({ Dockerfile: "FROM scratch\n", Dockerfile_test: "FROM scratch\n" });
  await push("a1", "acme");
  assert.is(await queuedImage("a1", "Dockerfile"), `${REGISTRY}/app`);
  assert.is(await queuedImage("a1", "Dockerfile_test"), `${REGISTRY}/app_test`);
  assert.is(await claimOf(`${REGISTRY}/app`), "acme/app");
  assert.is(await claimOf(`${REGISTRY}/app_test`), "acme/app");
});

test("image owners - another owner's same-named repo is refused that name, naming the owner and the setting", async () => {
  other.commit({ Dockerfile: "FROM scratch\n", "Dockerfile.other": "FROM scratch\n" });
  await push("b1", "other");
  const refused = await outcome("b1", "Dockerfile");
  if (refused.type !== "BuildFailed") throw new Error(`expected BuildFailed, got ${refused.type}`);
  assert.is(refused.data.stage, "naming");
  assert.is(refused.data.code, "IMAGE_NAME_TAKEN");
  assert.match(refused.data.message, `${REGISTRY}/app, which belongs to acme/app`);
  assert.match(refused.data.message, "SLIPWAY_IMAGE_OWNER_PREFIX");
  assert.is(refused.causationId, eventIds.repoUpdated("b1"), "the refusal answers the push's RepoUpdated");
  // Its Dockerfile with a name nobody holds is built as usual; and the claim is still acme's.
  assert.is(await queuedImage("b1", "Dockerfile.other"), `${REGISTRY}/app.other`);
  assert.is(await claimOf(`${REGISTRY}/app`), "acme/app");
});

test("image owners - the owner's next push still builds", async () => {
  acme.commit({ "a.txt": "2\n" });
  await push("a2", "acme");
  const queued = await outcome("a2", "Dockerfile");
  if (queued.type !== "BuildQueued") throw new Error(`expected BuildQueued, got ${queued.type}`);
  assert.is(queued.data.image, `${REGISTRY}/app`);
  assert.is(queued.data.buildNumber, 2);
});

test("image owners - of claims racing for one name exactly one wins, and the others see it", async () => {
  const image = `${REGISTRY}/raced`;
  const keys = ["r1/raced", "r2/raced", "r3/raced", "r4/raced", "r5/raced", "r6/raced"];
  // One KV handle per contender, as separate git-sync processes would have.
  const handles = await Promise.all(keys.map(() => new Kvm(bus.nc).open(IMAGE_NAME_OWNERS_BUCKET)));
  const results = await Promise.all(keys.map((key, i) => claimImageName(handles[i]!, image, key)));
  const winners = keys.filter((_k, i) => results[i]!.ok);
  assert.is(winners.length, 1);
  assert.is(await claimOf(image), winners[0]);
  for (const r of results) if (!r.ok) assert.is(r.owner, winners[0]);
});

test("image owners - with SLIPWAY_IMAGE_OWNER_PREFIX=true each owner gets its own name", async () => {
  await svc?.stop();
  svc = undefined;
  svc = await startGitSync({ SLIPWAY_IMAGE_OWNER_PREFIX: "true" });
  acme.commit({ "a.txt": "3\n" });
  other.commit({ "b.txt": "2\n" });
  await push("a3", "acme");
  await push("b2", "other");
  assert.is(await queuedImage("a3", "Dockerfile"), `${REGISTRY}/acme/app`);
  assert.is(await queuedImage("b2", "Dockerfile"), `${REGISTRY}/other/app`);
  assert.is(await queuedImage("b2", "Dockerfile.other"), `${REGISTRY}/other/app.other`);
  assert.is(await claimOf(`${REGISTRY}/acme/app`), "acme/app");
  assert.is(await claimOf(`${REGISTRY}/other/app`), "other/app");
});

test.run();
