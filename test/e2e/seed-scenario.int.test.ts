/**
 * The seed's scenario end to end, on real parts only: a real git repo, NATS JetStream, a Docker
 * engine and a registry, the four services as their own processes, and the seed's exact curl.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createGitFixture, withJetStream, type TestRegistry } from "@slipway/test-kit";
import { startE2eSystem, type E2eSystem } from "./system.js";
import { seenInOrder, waitFor } from "./helpers.js";

const API_TOKEN = randomUUID();

/** A call of the build control API, as the token's holder. */
async function control(path: string, body: unknown = undefined): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${ctx.controlUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_TOKEN}`, "x-slipway-user": "e2e", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const SEED_CURL_BODY = `{
  "ref": "refs/heads/master",
  "repository": {"name": "fruty_docker-ci"},
  "head_commit": {"id": "test"}
}`;

type BuildView = { id: string; deliveryId: string; status: string; dockerfile: string; image: string; tags: string[]; digest: string | null; error: { stage: string; message: string } | null; sha: string };

const e2e = suite("seed scenario");
// No streams made beforehand: the services make them, as on a fresh install.
const bus = withJetStream(e2e, { streams: false });
const ctx = {} as {
  system: E2eSystem;
  registry: TestRegistry;
  hookUrl: string;
  /** Ingress's build control API (`POST /builds`, `/builds/:id/retry|cancel`). */
  controlUrl: string;
  buildsUrl: string;
  logsDir: string;
  subjects: string[];
  git: ReturnType<typeof createGitFixture>;
  nonce: string;
  base: string;
};

e2e.before(async () => {
  // A nonce in every RUN keeps Docker's layer cache from skipping the steps whose output we check.
  ctx.nonce = randomUUID();
  ctx.system = bus.own(
    await startE2eSystem({
      natsUrl: bus.nats.url,
      token: API_TOKEN,
      files: (base) => ({
        Dockerfile: `FROM ${base}\nRUN echo plain-image-build ${ctx.nonce}\n`,
        Dockerfile_test: `FROM ${base}\nCOPY README.md /README.md\nRUN echo seed-test-build ${ctx.nonce} && cat /README.md\n`,
        "README.md": `the fruty test repo ${ctx.nonce}\n`,
      }),
    }),
  );
  const { system } = ctx;
  ctx.registry = system.registry;
  ctx.git = system.git;
  ctx.base = system.base;
  ctx.logsDir = system.logsDir;
  ctx.hookUrl = `${system.ingressUrl}/hook`;
  ctx.controlUrl = `${system.ingressUrl}/builds`;
  ctx.buildsUrl = `${system.projectorUrl}/builds`;

  // A plain subscription, as `nats sub 'ci.>'` would see the system.
  ctx.subjects = [];
  const sub = bus.nc.subscribe("ci.>");
  void (async () => {
    for await (const m of sub) ctx.subjects.push(m.subject);
  })();
});

async function builds(): Promise<BuildView[]> {
  const res = await fetch(ctx.buildsUrl);
  assert.is(res.status, 200);
  return ((await res.json()) as { builds: BuildView[] }).builds;
}


e2e("the seed's exact curl builds and pushes every Dockerfile", async () => {
  const res = await fetch(ctx.hookUrl, {
    method: "POST",
    headers: { "Cache-Control": "no-cache", "Content-Type": "application/json" },
    body: SEED_CURL_BODY,
  });
  assert.is(res.status, 200);
  assert.is(await res.text(), '{"status":"success","data":"","message":"hook successful"}');

  const done = await waitFor("both builds to finish", async () => {
    const all = await builds();
    return all.length === 2 && all.every((b) => b.status === "succeeded" || b.status === "failed") ? all : null;
  });
  for (const b of done) assert.is(b.status, "succeeded", `${b.dockerfile}: ${JSON.stringify(b.error)}`);

  const catalog = (await (await fetch(`${ctx.registry.url}/v2/_catalog`)).json()) as { repositories: string[] };
  assert.ok(catalog.repositories.includes("fruty_docker-ci_test"), JSON.stringify(catalog));
  assert.ok(catalog.repositories.includes("fruty_docker-ci"), JSON.stringify(catalog));

  for (const b of done) {
    const name = b.dockerfile === "Dockerfile" ? "fruty_docker-ci" : "fruty_docker-ci_test";
    assert.is(b.image, `${ctx.registry.address}/${name}`);
    assert.ok(b.tags.includes("latest") && b.tags.includes(b.sha), JSON.stringify(b.tags));
    assert.match(b.digest ?? "", /^sha256:[0-9a-f]{64}$/);
    for (const tag of b.tags) assert.is(await ctx.registry.manifestDigest(name, tag), b.digest, `${name}:${tag}`);
  }

  const test = done.find((b) => b.dockerfile === "Dockerfile_test")!;
  const log = await waitFor("the build log file", async () => {
    try {
      const text = readFileSync(join(ctx.logsDir, `${test.id}.log`), "utf8");
      return text.includes("slipway: pushed") ? text : null;
    } catch {
      return null;
    }
  });
  // The RUN step's own output (cat), as plain progress lines (`#5 [3/3] RUN ...`, `#5 <output>`, `#5 DONE`):
  // nothing of BuildKit's base64 trace reaches a person.
  assert.match(log, new RegExp(`^#(\\d+) \\[\\d/\\d\\] RUN [^\\n]*\\n(#\\1 [^\\n]*\\n)*#\\1 the fruty test repo ${ctx.nonce}\\n`, "m"));
  assert.match(log, /^#\d+ DONE \d+\.\d+s$/m);
  assert.not.match(log, "moby.buildkit.trace");

  const order = ["ci.webhook.received.", "ci.repo.updated.", `ci.build.${test.id}.queued`, `ci.build.${test.id}.started`, `ci.log.${test.id}`, `ci.build.${test.id}.built`, `ci.build.${test.id}.pushed`];
  seenInOrder(ctx.subjects, order);
});

e2e("a failing RUN ends as BuildFailed with Docker's message; the push's other builds succeed", async () => {
  const sha = ctx.git.commit({ Dockerfile_broken: `FROM ${ctx.base}\nRUN echo about-to-fail ${ctx.nonce} && exit 3\n` }, "add a broken Dockerfile");
  const body = JSON.stringify({ ref: "refs/heads/master", repository: { name: "fruty_docker-ci" }, head_commit: { id: sha } });
  const res = await fetch(ctx.hookUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body });
  assert.is(res.status, 200);

  const push = await waitFor("the second push's three builds", async () => {
    const mine = (await builds()).filter((b) => b.sha === sha);
    return mine.length === 3 && mine.every((b) => b.status === "succeeded" || b.status === "failed") ? mine : null;
  });
  const broken = push.find((b) => b.dockerfile === "Dockerfile_broken")!;
  assert.is(broken.status, "failed");
  assert.is(broken.error?.stage, "build");
  // The failing step and its exit code, as BuildKit reports them.
  assert.match(broken.error?.message ?? "", /^step #\d+ \[2\/2\] RUN echo about-to-fail [^\n]* failed: [^\n]*exit code: 3/, broken.error?.message);
  for (const b of push.filter((b) => b !== broken)) assert.is(b.status, "succeeded", b.dockerfile);
  assert.is((await builds()).length, 5);
});

e2e("build control - a retry through the API builds the same commit and Dockerfile again, with the same delivery", async () => {
  const broken = (await builds()).find((b) => b.dockerfile === "Dockerfile_broken")!;
  const retry = await control(`/${broken.id}/retry`);
  assert.is(retry.status, 202, JSON.stringify(retry.json));
  const newId = String(retry.json.buildId);
  const again = await waitFor("the retried build's verdict", async () => {
    const b = (await builds()).find((x) => x.id === newId);
    return b && (b.status === "succeeded" || b.status === "failed") ? b : null;
  });
  assert.is(again.sha, broken.sha);
  assert.is(again.dockerfile, "Dockerfile_broken");
  assert.is(again.deliveryId, broken.deliveryId);
  assert.is(again.status, "failed", "the same Dockerfile fails the same way");
  assert.match(again.error?.message ?? "", /exit code: 3/);
});

e2e("build control - a push requested through the API builds; a running build cancelled through it ends cancelled", async () => {
  const nonce = randomUUID().slice(0, 8);
  ctx.git.commit({ Dockerfile_slow: `FROM ${ctx.base}\nRUN echo slow-${nonce} && sleep 60\n` }, "add a slow Dockerfile");
  const requested = await control("", { repo: "fruty_docker-ci", ref: "master" });
  assert.is(requested.status, 202, JSON.stringify(requested.json));
  const deliveryId = String(requested.json.deliveryId);
  const slow = await waitFor("the slow build running", async () => {
    const b = (await builds()).find((x) => x.deliveryId === deliveryId && x.dockerfile === "Dockerfile_slow");
    return b && b.status === "running" ? b : null;
  });
  const cancel = await control(`/${slow.id}/cancel`, { reason: "not needed" });
  assert.is(cancel.status, 202, JSON.stringify(cancel.json));
  const ended = await waitFor("the slow build cancelled", async () => {
    const b = (await builds()).find((x) => x.id === slow.id);
    return b && b.status !== "running" && b.status !== "queued" ? b : null;
  }, 30_000);
  assert.is(ended.status, "cancelled");
  assert.match(ended.error?.message ?? "", "cancelled by e2e: not needed");
  const others = await waitFor("the other builds of the requested push", async () => {
    const mine = (await builds()).filter((x) => x.deliveryId === deliveryId && x.dockerfile !== "Dockerfile_slow");
    return mine.length === 3 && mine.every((b) => b.status === "succeeded" || b.status === "failed") ? mine : null;
  });
  assert.equal(others.map((b) => `${b.dockerfile}:${b.status}`).sort(), ["Dockerfile:succeeded", "Dockerfile_broken:failed", "Dockerfile_test:succeeded"]);
  assert.is((await control(`/${slow.id}/cancel`)).status, 409, "a finished build cannot be cancelled again");
});

e2e.run();
