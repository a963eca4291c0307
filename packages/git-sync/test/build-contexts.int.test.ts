/**
 * Build contexts end to end, on real parts: git repos, NATS, git-sync and a builder as their own
 * processes, the Docker engine and a registry. What a `COPY . /ctx` puts in the pushed image is
 * read back by running it; the engine's two builders are also fed git-sync's tars directly, to
 * show what each does with an excluded Dockerfile.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ObjectStore } from "@nats-io/obj";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { contextTar, contextTarBytes, decodeEvent, ensureContextStore, eventIds, publishEvent, type Event, type WebhookReceived } from "@slipway/events";
import {
  createGitFixture,
  dockerClient,
  ensureBaseImage,
  removeLocalTags,
  startService,
  startTestRegistry,
  withJetStream,
  type TestRegistry,
} from "@slipway/test-kit";
import { createRepoWithSubmodule } from "./submodule-fixture.js";

const MAX_BYTES = 256 * 1024;
const LOCAL_TAG = `slipway-ctx-test-${randomBytes(4).toString("hex")}`;

const it = suite("build contexts");
const bus = withJetStream(it);
const ctx = {} as {
  registry: TestRegistry;
  store: ObjectStore;
  root: string;
  base: string;
  seen: Event[];
};

it.before(async () => {
  ctx.base = await ensureBaseImage();
  ctx.registry = bus.own(await startTestRegistry());
  ctx.root = mkdtempSync(join(tmpdir(), "slipway-ctx-"));
  const common = { SLIPWAY_NATS_URL: bus.nats.url, SLIPWAY_LOG_LEVEL: "info" };
  bus.own(
    await startService("git-sync", {
      ...common,
      SLIPWAY_GIT_URL: join(ctx.root, "{name}.git"),
      SLIPWAY_GIT_DATA: join(ctx.root, "git-sync"),
      SLIPWAY_REGISTRY: ctx.registry.address,
      SLIPWAY_CONTEXT_MAX_BYTES: String(MAX_BYTES),
      SLIPWAY_GIT_SUBMODULES: "true",
    }),
  );
  bus.own(await startService("builder", common));
  ctx.store = await ensureContextStore(bus.nc);
  ctx.seen = [];
  const sub = bus.nc.subscribe("ci.>");
  void (async () => {
    for await (const m of sub) ctx.seen.push(decodeEvent(m.data));
  })();
});

it.after(async () => {
  if (ctx.registry) await removeLocalTags(ctx.registry.address).catch((e) => console.error(e));
  for (const tag of ["classic", "buildkit"]) await dockerClient().getImage(`${LOCAL_TAG}:${tag}`).remove().catch(() => undefined);
  if (ctx.root) rmSync(ctx.root, { recursive: true, force: true });
});

async function push(deliveryId: string, name: string): Promise<void> {
  const data: WebhookReceived = { deliveryId, source: "manual", repo: { key: name, name, owner: null }, ref: "refs/heads/master", branch: "master", requestedSha: "test", defaultBranch: null, pusher: null };
  await publishEvent(bus.js, "WebhookReceived", data, { id: eventIds.webhookReceived(deliveryId), correlationId: deliveryId, causationId: null });
}

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; saw ${ctx.seen.map((e) => e.type).join(",")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ofDelivery = <T extends Event["type"]>(deliveryId: string, type: T) => ctx.seen.filter((e): e is Extract<Event, { type: T }> => e.correlationId === deliveryId && e.type === type);

/** Waits for every build of the push to be pushed; returns image references by Dockerfile. */
async function pushedImages(deliveryId: string, count: number): Promise<Map<string, string>> {
  const queued = await eventually(`${count} BuildQueued`, () => {
    const q = ofDelivery(deliveryId, "BuildQueued");
    return q.length === count ? q : undefined;
  });
  const images = new Map<string, string>();
  for (const q of queued) {
    const verdict = await eventually(`the verdict of ${q.data.dockerfile}`, () => ctx.seen.find((e) => (e.type === "ImagePushed" || e.type === "BuildFailed") && e.data.buildId === q.data.buildId));
    assert.is(verdict.type, "ImagePushed", JSON.stringify(verdict.data));
    if (verdict.type !== "ImagePushed") continue;
    // The image run below is the one pushed: its digest is the registry's.
    const ref = `${q.data.image}:${q.data.sha}`;
    const digests = execFileSync("docker", ["image", "inspect", "--format", "{{json .RepoDigests}}", ref], { encoding: "utf8" });
    assert.ok(digests.includes(`${q.data.image}@${verdict.data.digest}`), digests);
    images.set(q.data.dockerfile, ref);
  }
  return images;
}

/** The files under /ctx in an image, as `COPY . /ctx` left them. */
function filesIn(image: string): string[] {
  const out = execFileSync("docker", ["run", "--rm", image, "sh", "-c", "cd /ctx && find . -type f | sed 's|^./||' | sort"], { encoding: "utf8" });
  return out.split("\n").filter(Boolean);
}

const copyAll = () => `FROM ${ctx.base}\nCOPY . /ctx\n`;

it("build contexts - .dockerignore keeps secret.txt out of the image; <Dockerfile>.dockerignore takes precedence for its Dockerfile", async () => {
  const app = createGitFixture("ctxapp", ctx.root);
  const sha = app.commit({
    Dockerfile: copyAll(),
    Dockerfile_own: copyAll(),
    "Dockerfile_own.dockerignore": "app.txt\n",
    Dockerfile_hidden: copyAll(),
    ".dockerignore": "# the usual\nsecret.txt\n**/*.log\nDockerfile_hidden\n.dockerignore\n",
    "secret.txt": "s3cret\n",
    "app.txt": "app\n",
    "logs/x.log": "log\n",
    "src/main.txt": "main\n",
  });
  await push("c1", "ctxapp");
  const images = await pushedImages("c1", 3);

  // As `docker build` from a folder: the ignored files and the ignore file itself are not copied.
  assert.equal(filesIn(images.get("Dockerfile")!), ["Dockerfile", "Dockerfile_own", "Dockerfile_own.dockerignore", "app.txt", "src/main.txt"]);
  // Its own ignore file replaces the root one: secret.txt and the logs are in, app.txt is out.
  assert.equal(filesIn(images.get("Dockerfile_own")!), [".dockerignore", "Dockerfile", "Dockerfile_hidden", "Dockerfile_own", "Dockerfile_own.dockerignore", "logs/x.log", "secret.txt", "src/main.txt"]);
  // An excluded Dockerfile must be sent; BuildKit (the builder's default) copies what it is sent.
  assert.equal(filesIn(images.get("Dockerfile_hidden")!), [".dockerignore", "Dockerfile", "Dockerfile_hidden", "Dockerfile_own", "Dockerfile_own.dockerignore", "app.txt", "src/main.txt"]);

  const updated = await eventually("RepoUpdated", () => ofDelivery("c1", "RepoUpdated")[0]);
  assert.is(updated.data.contextObject, `ctxapp@${sha}`);
  assert.equal(
    updated.data.contexts?.map((c) => [c.object, c.dockerfiles]),
    [
      [`ctxapp@${sha}`, ["Dockerfile"]],
      [`ctxapp@${sha}:Dockerfile_hidden`, ["Dockerfile_hidden"]],
      [`ctxapp@${sha}:Dockerfile_own`, ["Dockerfile_own"]],
    ],
  );
  for (const c of updated.data.contexts ?? []) assert.is(contextTarBytes((await ctx.store.info(c.object))!), c.bytes, c.object);
  assert.is(updated.data.contextBytes, updated.data.contexts?.[0]?.bytes);
  const queued = ofDelivery("c1", "BuildQueued").map((q) => [q.data.dockerfile, q.data.contextObject]).sort();
  assert.equal(queued, [
    ["Dockerfile", `ctxapp@${sha}`],
    ["Dockerfile_hidden", `ctxapp@${sha}:Dockerfile_hidden`],
    ["Dockerfile_own", `ctxapp@${sha}:Dockerfile_own`],
  ]);
});

it("build contexts - the engine's builders and an excluded Dockerfile: the classic one drops it (as docker build), BuildKit copies it", async () => {
  const updated = await eventually("RepoUpdated", () => ofDelivery("c1", "RepoUpdated")[0]);
  const object = `ctxapp@${updated.data.sha}:Dockerfile_hidden`;
  const listed = async (version: "1" | "2") => {
    const stored = await ctx.store.get(object);
    assert.ok(stored, object);
    const tag = `${LOCAL_TAG}:${version === "1" ? "classic" : "buildkit"}`;
    const docker = dockerClient();
    const output = await docker.buildImage(contextTar({ store: ctx.store, direct: bus.jsm.direct }, stored), { dockerfile: "Dockerfile_hidden", t: tag, version });
    const messages = await new Promise<{ error?: string }[]>((resolve, reject) => docker.modem.followProgress(output, (err: Error | null, res: { error?: string }[]) => (err ? reject(err) : resolve(res))));
    assert.equal(messages.filter((m) => m.error), []);
    return filesIn(tag);
  };
  const sent = ["Dockerfile", "Dockerfile_own", "Dockerfile_own.dockerignore", "app.txt", "src/main.txt"];
  assert.equal(await listed("1"), sent);
  assert.equal(await listed("2"), [".dockerignore", "Dockerfile", "Dockerfile_hidden", "Dockerfile_own", "Dockerfile_own.dockerignore", "app.txt", "src/main.txt"]);
});

it("build contexts - submodules are in the context (SLIPWAY_GIT_SUBMODULES), and .dockerignore applies to their files", async () => {
  const sha = createRepoWithSubmodule(ctx.root, "withsub", "sublib", "vendor/lib", { "lib.txt": "lib\n", "lib-secret.txt": "s3cret\n" }, {
    Dockerfile: copyAll(),
    ".dockerignore": "vendor/lib/lib-secret.txt\n",
  });
  await push("s1", "withsub");
  const images = await pushedImages("s1", 1);
  assert.equal(filesIn(images.get("Dockerfile")!), [".dockerignore", ".gitmodules", "Dockerfile", "vendor/lib/lib.txt"]);
  const updated = await eventually("RepoUpdated", () => ofDelivery("s1", "RepoUpdated")[0]);
  assert.is(updated.data.contextObject, `withsub@${sha}+submodules`);
  assert.equal(execFileSync("ls", [join(ctx.root, "git-sync", "checkouts")], { encoding: "utf8" }), "", "the checkout is removed");
});

it("build contexts - a context over SLIPWAY_CONTEXT_MAX_BYTES ends in RepoSyncFailed, and counts after .dockerignore", async () => {
  const big = createGitFixture("bigctx", ctx.root);
  const sha = big.commit({ "big.bin": randomBytes(MAX_BYTES + 1024).toString("base64"), "app.txt": "app\n" });
  await push("b1", "bigctx");
  const failed = await eventually("RepoSyncFailed", () => ofDelivery("b1", "RepoSyncFailed")[0]);
  assert.is(failed.data.code, "GIT_CONTEXT_TOO_LARGE");
  const size = Number(/is (\d+) bytes/.exec(failed.data.message)?.[1]);
  assert.ok(size > MAX_BYTES, failed.data.message);
  assert.match(failed.data.message, `over the limit of ${MAX_BYTES} bytes`);
  assert.match(failed.data.message, "SLIPWAY_CONTEXT_MAX_BYTES");
  assert.is(ofDelivery("b1", "RepoUpdated").length, 0);
  // Not retried (one failure, at once), and nothing of it left in the store.
  assert.is(await ctx.store.info(`bigctx@${sha}`), null);

  big.commit({ ".dockerignore": "big.bin\n" });
  await push("b2", "bigctx");
  const updated = await eventually("RepoUpdated b2", () => ofDelivery("b2", "RepoUpdated")[0]);
  assert.ok(updated.data.contextBytes < MAX_BYTES, String(updated.data.contextBytes));
});

it.run();
