import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { contextTar, ensureContextStore, publishEvent, eventIds, decodeEvent, type Event, type WebhookReceived } from "@slipway/events";
import { createGitFixture, startService, withJetStream } from "@slipway/test-kit";

const it = suite("git-sync");
const bus = withJetStream(it);
const ctx = {} as {
  seen: Event[];
  undecodable: string[];
  git: ReturnType<typeof createGitFixture>;
  dataDir: string;
};

it.before(async () => {
  ctx.git = createGitFixture("app");
  bus.own(
    await startService("git-sync", {
      SLIPWAY_NATS_URL: bus.nats.url,
      SLIPWAY_GIT_URL: join(ctx.git.root, "{name}.git"),
      SLIPWAY_GIT_DATA: (ctx.dataDir = mkdtempSync(join(tmpdir(), "slipway-gs-"))),
      SLIPWAY_REGISTRY: "registry.test:5000",
      SLIPWAY_ALLOWED_REPOS: "app, acme/*",
    }),
  );
  ctx.seen = [];
  ctx.undecodable = [];
  const sub = bus.nc.subscribe("ci.>");
  void (async () => {
    for await (const m of sub) {
      try {
        ctx.seen.push(decodeEvent(m.data));
      } catch (err) {
        ctx.undecodable.push(`${m.subject}: ${String(err)}`);
      }
    }
  })();
});

it.after(async () => {
  for (const dir of [ctx.git?.root, ctx.dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  assert.equal(ctx.undecodable, []);
});

function webhook(deliveryId: string, requestedSha: string, ref = "refs/heads/master", name = "app"): WebhookReceived {
  return { deliveryId, source: "manual", repo: { key: name, name, owner: null }, ref, branch: ref.replace("refs/heads/", ""), requestedSha, defaultBranch: null, pusher: null };
}

async function send(data: WebhookReceived) {
  await publishEvent(bus.js, "WebhookReceived", data, { id: eventIds.webhookReceived(data.deliveryId), correlationId: data.deliveryId, causationId: null });
}

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; saw ${ctx.seen.map((e) => e.type).join(",")}`);
}

const byDelivery = (d: string) => ctx.seen.filter((e) => e.correlationId === d);

it("first webhook clones, stores the context and queues one build per Dockerfile", async () => {
  const tip = ctx.git.commit({ Dockerfile: "FROM scratch\n", "Dockerfile.dev": "FROM scratch\n", "Dockerfile.dockerignore": "x\n", "app.txt": "hello\n" });
  await send(webhook("d1", "test"));
  const updated = await until(() => byDelivery("d1").find((e) => e.type === "RepoUpdated"), "RepoUpdated");
  assert.is(updated.type, "RepoUpdated");
  if (updated.type !== "RepoUpdated") return;
  assert.is(updated.data.sha, tip);
  assert.is(updated.data.shaFromPayload, false);
  assert.equal(updated.data.dockerfiles, ["Dockerfile", "Dockerfile.dev"]);
  assert.is(updated.data.defaultBranch, "master");

  const queued = await until(() => {
    const q = byDelivery("d1").filter((e) => e.type === "BuildQueued");
    return q.length === 2 ? q : undefined;
  }, "two BuildQueued");
  const images = queued.map((e) => (e.type === "BuildQueued" ? `${e.data.image}:${e.data.tags.join(",")}` : "")).sort();
  assert.equal(images, [`registry.test:5000/app.dev:${tip},1,master,latest`, `registry.test:5000/app:${tip},1,master,latest`]);

  // The context is the commit's tree, as a tar in the object store.
  const store = await ensureContextStore(bus.nc);
  const object = await store.get(updated.data.contextObject);
  assert.ok(object);
  const tar = Buffer.concat(await contextTar({ store, direct: bus.jsm.direct }, object!).toArray());
  const listing = execFileSync("tar", ["-t"], { input: tar, encoding: "utf8" }).split("\n").filter(Boolean).sort();
  assert.equal(listing, ["Dockerfile", "Dockerfile.dev", "Dockerfile.dockerignore", "app.txt"]);
});

it("a later push fetches, uses the payload's sha, and counts the build number up", async () => {
  const first = ctx.git.commit({ "app.txt": "v2\n" });
  ctx.git.commit({ "app.txt": "v3\n" });
  await send(webhook("d2", first));
  const updated = await until(() => byDelivery("d2").find((e) => e.type === "RepoUpdated"), "RepoUpdated d2");
  if (updated.type !== "RepoUpdated") throw new Error("unexpected");
  assert.is(updated.data.sha, first);
  assert.is(updated.data.shaFromPayload, true);
  assert.is(updated.data.buildNumber, 2);
});

it("a redelivered webhook is handled again but stores nothing new", async () => {
  const { jsm } = bus;
  const stored = async () => (await jsm.streams.info("CI_EVENTS")).state.messages;
  // The first handling of d2 is done only when every Dockerfile it found is queued: counting before
  // the last BuildQueued is stored would count it as new.
  const firstUpdate = byDelivery("d2").find((e) => e.type === "RepoUpdated");
  if (firstUpdate?.type !== "RepoUpdated") throw new Error("d2 was not synced");
  await until(() => (byDelivery("d2").filter((e) => e.type === "BuildQueued").length >= firstUpdate.data.dockerfiles.length ? true : undefined), "d2's builds queued");
  const before = await stored();
  const seenBefore = byDelivery("d2").filter((e) => e.type === "RepoUpdated").length;
  // Same delivery, new message id: as if the webhook were handled again after a crash.
  await publishEvent(bus.js, "WebhookReceived", webhook("d2", "test"), { id: "again-d2", correlationId: "d2", causationId: null });
  // git-sync ran again (a plain subscriber sees every publish) ...
  await until(() => (byDelivery("d2").filter((e) => e.type === "RepoUpdated").length > seenBefore ? true : undefined), "the repeat");
  // ... but JetStream kept only the new WebhookReceived: the same ids were dropped as duplicates.
  await new Promise((r) => setTimeout(r, 500));
  assert.is(await stored(), before + 1);
});

it("no archive file is left behind, whether a context came from git archive (a new large file) or from the tree listing", async () => {
  const tmp = join(ctx.dataDir, "tmp");
  const files = () => (existsSync(tmp) ? readdirSync(tmp) : []);
  const updated = (deliveryId: string) => until(() => byDelivery(deliveryId).find((e) => e.type === "RepoUpdated"), `RepoUpdated ${deliveryId}`);
  const sha = ctx.git.commit({ Dockerfile: "FROM scratch\n", "large.bin": "x".repeat(200_000) });
  await send(webhook("archived-1", sha));
  await updated("archived-1");
  assert.ok(existsSync(tmp), "the new large file came from git archive");
  assert.equal(files(), [], "deleted once stored");
  const next = ctx.git.commit({ "small.txt": "small\n" });
  await send(webhook("listed-1", next));
  await updated("listed-1");
  assert.equal(files(), [], "from the listing");
  // The same commit again: its context is in the store already.
  await send(webhook("listed-2", next));
  await updated("listed-2");
  assert.equal(files(), []);
  // A full sha the mirror does not have: the branch's tip is built instead.
  await send(webhook("fallback-1", "f".repeat(40)));
  const fallback = await updated("fallback-1");
  if (fallback.type !== "RepoUpdated") throw new Error("unexpected");
  assert.is(fallback.data.sha, next);
  assert.is(fallback.data.shaFromPayload, false);
  assert.equal(files(), []);
});

it("an unknown ref ends in RepoSyncFailed, not in silence", async () => {
  await send(webhook("d3", "test", "refs/heads/nope"));
  const failed = await until(() => byDelivery("d3").find((e) => e.type === "RepoSyncFailed"), "RepoSyncFailed");
  if (failed.type !== "RepoSyncFailed") throw new Error("unexpected");
  assert.is(failed.data.code, "GIT_REF_NOT_FOUND");
  assert.match(failed.data.message, /refs\/heads\/nope/);
  assert.is(byDelivery("d3").filter((e) => e.type === "BuildQueued").length, 0);
});

it("a repo outside SLIPWAY_ALLOWED_REPOS is never cloned", async () => {
  const other = createGitFixture("intruder", ctx.git.root);
  other.commit({ Dockerfile: "FROM scratch\n" });
  const mirrorsBefore = readdirSync(join(ctx.dataDir, "mirrors")).length;
  await send(webhook("d4", "test", "refs/heads/master", "intruder"));
  const failed = await until(() => byDelivery("d4").find((e) => e.type === "RepoSyncFailed"), "RepoSyncFailed d4");
  if (failed.type !== "RepoSyncFailed") throw new Error("unexpected");
  assert.is(failed.data.code, "GIT_REPO_NOT_ALLOWED");
  assert.is(readdirSync(join(ctx.dataDir, "mirrors")).length, mirrorsBefore);
  assert.ok(existsSync(other.bare));
});

it.run();
