/**
 * The cluster variant for real (deploy/compose.yml + deploy/compose.cluster.yml, images made on this
 * machine): 3 NATS servers with R3 streams, 2 builders, 2 projectors. The CI_EVENTS stream's leader
 * is killed while webhooks keep coming: every one is accepted and built. Then a builder is killed in
 * the middle of a build: the job goes to the other builder and succeeds. Prints what happened.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { decodeEvent, STREAM_EVENTS } from "@slipway/events";
import { createGitFixture, dockerClient, ensureBaseImage, ensureDockerEngine, httpStatus, prepareOfflineCompose, repoRoot, type GitFixture } from "@slipway/test-kit";
import { cleanEnv, composeProject, freePorts, post, removeComposeRun, writeGitOverride, type ComposeProject } from "../compose/compose-project.js";

type BuildView = { id: string; status: string; repoName: string; sha: string; attempts: number; digest: string | null; error: unknown };

const cluster = suite("cluster");
const ctx = {} as {
  work: string;
  base: string;
  project: ComposeProject;
  servicesImage: string;
  ingressUrl: string;
  projectorUrls: [string, string];
  registryAddress: string;
  nc: NatsConnection;
  jsm: JetStreamManager;
  quick: GitFixture;
  slow: GitFixture;
};

/** The compose service of each NATS server name (`-n` in compose.cluster.yml). */
const NATS_SERVICE: Record<string, string> = { "nats-1": "nats", "nats-2": "nats-2", "nats-3": "nats-3" };

async function containerOf(service: string, index = 1): Promise<string> {
  const [c] = await dockerClient().listContainers({
    all: true,
    filters: { label: [`com.docker.compose.project=${ctx.project.name}`, `com.docker.compose.service=${service}`, `com.docker.compose.container-number=${index}`] },
  });
  if (!c) throw new Error(`no container for ${service} #${index}`);
  return c.Id;
}

/** kill -9, and the restart policy off first, so the engine does not bring it straight back. */
async function killContainer(id: string): Promise<void> {
  const container = dockerClient().getContainer(id);
  await container.update({ RestartPolicy: { Name: "no" } });
  await container.kill({ signal: "SIGKILL" });
}

async function builds(projectorUrl: string): Promise<BuildView[]> {
  const res = await fetch(`${projectorUrl}/builds?limit=200`);
  return ((await res.json()) as { builds: BuildView[] }).builds;
}

/** A push of a new commit: the seed's payload shape with the real sha, so git-sync builds exactly it. */
async function push(repo: GitFixture, name: string): Promise<{ status: number; sha: string }> {
  const sha = repo.commit({ "stamp.txt": `${randomUUID()}\n` });
  const body = JSON.stringify({ ref: "refs/heads/master", after: sha, repository: { name, full_name: `fruty/${name}` }, head_commit: { id: sha, message: "cluster test" } });
  const res = await post(`${ctx.ingressUrl}/hook`, { "Content-Type": "application/json", "X-GitHub-Event": "push", "X-GitHub-Delivery": randomUUID() }, body);
  return { status: res.status, sha };
}

cluster.before(async () => {
  await ensureDockerEngine();
  ctx.base = await ensureBaseImage();
  ctx.work = mkdtempSync(join(tmpdir(), "slipway-cluster-"));
  const gitRoot = join(ctx.work, "git");
  mkdirSync(gitRoot);
  // Each commit changes stamp.txt, which the Dockerfiles copy: no build is a cache hit.
  ctx.quick = createGitFixture("cluster-quick", gitRoot);
  ctx.quick.commit({ Dockerfile: `FROM ${ctx.base}\nCOPY stamp.txt /stamp.txt\nRUN cat /stamp.txt\n`, "stamp.txt": "first\n" });
  ctx.slow = createGitFixture("cluster-slow", gitRoot);
  ctx.slow.commit({ Dockerfile: `FROM ${ctx.base}\nCOPY stamp.txt /stamp.txt\nRUN echo building && sleep 20 && cat /stamp.txt\n`, "stamp.txt": "first\n" });
  const gitOverride = join(ctx.work, "compose.git.yml");
  writeGitOverride({ file: gitOverride, gitRoot, gitConfig: join(ctx.work, "gitconfig") });

  const images = await prepareOfflineCompose();
  const [ingressPort, projectorPort, projector2Port, registryPort, nats1, nats2, nats3] = (await freePorts(7)) as number[] as [number, number, number, number, number, number, number];
  const name = `slipwaycluster${randomBytes(4).toString("hex")}`;
  ctx.servicesImage = `slipway-local/services:${name}`;
  ctx.registryAddress = `127.0.0.1:${registryPort}`;
  ctx.ingressUrl = `http://127.0.0.1:${ingressPort}`;
  ctx.projectorUrls = [`http://127.0.0.1:${projectorPort}`, `http://127.0.0.1:${projector2Port}`];
  ctx.project = composeProject({
    name,
    files: [join(repoRoot(), "deploy", "compose.yml"), join(repoRoot(), "deploy", "compose.cluster.yml"), gitOverride],
    env: {
      ...cleanEnv(),
      ...images,
      SLIPWAY_SERVICES_IMAGE: ctx.servicesImage,
      SLIPWAY_INGRESS_PORT: String(ingressPort),
      SLIPWAY_PROJECTOR_PORT: String(projectorPort),
      SLIPWAY_PROJECTOR_2_PORT: String(projector2Port),
      SLIPWAY_REGISTRY_PORT: String(registryPort),
      SLIPWAY_REGISTRY: ctx.registryAddress,
      SLIPWAY_NATS_1_PORT: String(nats1),
      SLIPWAY_NATS_2_PORT: String(nats2),
      SLIPWAY_NATS_3_PORT: String(nats3),
      SLIPWAY_LOGS_HOST_DIR: join(ctx.work, "logs"),
    },
  });
  await ctx.project.run(["up", "-d", "--build"], 600_000);
  ctx.nc = await connect({ servers: [nats1, nats2, nats3].map((p) => `nats://127.0.0.1:${p}`), maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  ctx.jsm = await jetstreamManager(ctx.nc);
  await ctx.project.waitFor(
    "ingress and both projectors healthy",
    async () => ((await httpStatus(`${ctx.ingressUrl}/healthz`)) === 200 && (await httpStatus(`${ctx.projectorUrls[0]}/healthz`)) === 200 && (await httpStatus(`${ctx.projectorUrls[1]}/healthz`)) === 200 ? true : null),
    180_000,
  );
});

cluster.after(async () => {
  await ctx.nc?.close().catch(() => undefined);
  await removeComposeRun(ctx);
});

cluster("cluster - streams keep 3 copies; each projector has its own durables", async () => {
  const info = await ctx.project.waitFor("CI_EVENTS with its replicas", async () => {
    const i = await ctx.jsm.streams.info(STREAM_EVENTS).catch(() => null);
    return i?.cluster?.replicas?.length === 2 ? i : null;
  });
  assert.is(info.config.num_replicas, 3);
  const durables = [];
  for await (const c of ctx.jsm.consumers.list(STREAM_EVENTS)) durables.push(c.name);
  assert.ok(durables.includes("projector") && durables.includes("projector-2"), durables.join());
});

/** Every stream (events, logs, contexts, buckets) has a leader and two current followers: a healthy cluster. */
async function allReplicasCurrent(): Promise<boolean> {
  for await (const info of ctx.jsm.streams.list()) {
    const followers = info.cluster?.replicas ?? [];
    if (!info.cluster?.leader || followers.length !== 2 || !followers.every((r) => r.current && !r.offline)) return false;
  }
  return true;
}

cluster("cluster - with the events stream's leader killed, webhooks are accepted and built", async () => {
  // One node of a healthy cluster dies: every stream's copies in step first (right after the
  // start, a stream may still be electing its first leader).
  await ctx.project.waitFor("every stream with a leader and two current followers", async () => ((await allReplicasCurrent()) ? true : null), 60_000);
  const leader = (await ctx.jsm.streams.info(STREAM_EVENTS)).cluster?.leader ?? "";
  const service = NATS_SERVICE[leader];
  assert.ok(service, `leader ${leader} is one of the three`);
  await killContainer(await containerOf(service));
  const killedAt = Date.now();

  // Five pushes, one every 1.5 s, starting right after the kill: the first ones land during the election.
  const pushes: { status: number; sha: string; ms: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const t = Date.now();
    pushes.push({ ...(await push(ctx.quick, "cluster-quick")), ms: Date.now() - t });
    await new Promise((r) => setTimeout(r, 1500));
  }
  const accepted = pushes.filter((p) => p.status === 200).length;
  const done = await ctx.project.waitFor("the five builds' verdicts in both projectors", async () => {
    const views = await Promise.all(ctx.projectorUrls.map(builds));
    const ours = views.map((v) => v.filter((b) => pushes.some((p) => p.sha === b.sha)));
    return ours.every((o) => o.length === 5 && o.every((b) => b.status === "succeeded" || b.status === "failed")) ? ours : null;
  });
  const newLeader = (await ctx.jsm.streams.info(STREAM_EVENTS)).cluster?.leader;
  console.log(
    `  cluster: killed ${leader} (CI_EVENTS leader; ${newLeader} took over); ${accepted}/5 webhooks accepted while it was down ` +
      `(answers in ${pushes.map((p) => p.ms).join(", ")} ms); builds: ${done[0]!.map((b) => b.status).join(", ")}; ` +
      `last verdict ${Math.round((Date.now() - killedAt) / 1000)} s after the kill`,
  );
  assert.is(accepted, 5);
  for (const b of done[0]!) assert.is(b.status, "succeeded", JSON.stringify(b.error));
  assert.equal(done[1]!.map((b) => `${b.id}:${b.status}`).sort(), done[0]!.map((b) => `${b.id}:${b.status}`).sort());

  // The node comes back on its volume and catches up.
  await dockerClient().getContainer(await containerOf(service)).start();
  await ctx.project.waitFor("the killed node current again", async () => {
    const info = await ctx.jsm.streams.info(STREAM_EVENTS);
    return info.cluster?.replicas?.some((r) => r.name === leader && r.current) ? true : null;
  });
});

cluster("cluster - a builder killed mid-build: its job moves to the other builder and succeeds", async () => {
  const started: { buildId: string; builder: string; attempt: number }[] = [];
  const sub = ctx.nc.subscribe("ci.build.*.started");
  void (async () => {
    for await (const msg of sub) {
      const e = decodeEvent(msg.data);
      if (e.type === "BuildStarted") started.push(e.data);
    }
  })();
  const { status, sha } = await push(ctx.slow, "cluster-slow");
  assert.is(status, 200);
  const build = await ctx.project.waitFor("the slow build running", async () => (await builds(ctx.projectorUrls[0])).find((b) => b.sha === sha && b.status === "running") ?? null);
  const first = await ctx.project.waitFor("its BuildStarted", async () => started.find((s) => s.buildId === build.id) ?? null);
  // A builder's name is its host (the container's id, as Docker sets the hostname) and pid.
  const host = first.builder.split(":")[0] ?? "";
  const builderContainers = await dockerClient().listContainers({ filters: { label: [`com.docker.compose.project=${ctx.project.name}`, "com.docker.compose.service=builder"] } });
  assert.is(builderContainers.length, 2);
  const victim = builderContainers.find((c) => c.Id.startsWith(host));
  assert.ok(victim, `builder ${first.builder} is one of the two`);
  await killContainer(victim.Id);
  const killedAt = Date.now();

  const final = await ctx.project.waitFor("the build's verdict after the kill", async () => {
    const b = (await builds(ctx.projectorUrls[0])).find((x) => x.id === build.id);
    return b && (b.status === "succeeded" || b.status === "failed") ? b : null;
  });
  const second = started.find((s) => s.buildId === build.id && s.attempt > first.attempt);
  sub.unsubscribe();
  console.log(
    `  cluster: killed builder ${first.builder} during attempt ${first.attempt}; attempt ${second?.attempt} ran on ${second?.builder}; ` +
      `${final.status} ${Math.round((Date.now() - killedAt) / 1000)} s after the kill`,
  );
  assert.is(final.status, "succeeded", JSON.stringify(final.error));
  assert.ok(second, "a second attempt started");
  assert.is.not(second.builder.split(":")[0], host, "on the other builder");
  assert.match(final.digest ?? "", /^sha256:/);
});

cluster.run();
