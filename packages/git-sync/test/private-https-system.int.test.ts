/**
 * A private repository over HTTPS, through the whole system: a real git smart-HTTP server that
 * wants a token, NATS, git-sync, builder and projector as their own processes, a registry and
 * Docker. Pushes build with the token and fail without it; then every event, log chunk, service
 * output, log file, data file and API answer is searched for the token.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { decodeEvent, eventIds, publishEvent, STREAM_EVENTS, STREAM_LOGS, type Event, type WebhookReceived } from "@slipway/events";
import {
  createGitFixture,
  ensureBaseImage,
  freePort,
  removeLocalTags,
  startService,
  startTestRegistry,
  waitUntil,
  withJetStream,
  type GitFixture,
  type RunningService,
  type TestRegistry,
} from "@slipway/test-kit";
import { startGitHttpServer, type GitHttpServer } from "./git-http-server.js";

const USERNAME = "x-access-token";
const TOKEN = `ghs_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
const WRONG = `${TOKEN}x`;
/** The token as it may travel: plain, in a Basic header, URL-encoded. */
const NEEDLES = [TOKEN, Buffer.from(`${USERNAME}:${TOKEN}`).toString("base64"), encodeURIComponent(TOKEN), Buffer.from(`${USERNAME}:${WRONG}`).toString("base64")];

type BuildView = { id: string; deliveryId: string; status: string; sha: string; error: unknown };

const it = suite("private repos over https");
const bus = withJetStream(it);
const ctx = {} as {
  registry: TestRegistry;
  http: GitHttpServer;
  git: GitFixture;
  base: string;
  work: string;
  gitData: string;
  logsDir: string;
  buildsUrl: string;
  /** projector and builder. */
  services: RunningService[];
  /** Every git-sync started, the running one last. */
  gitSyncs: RunningService[];
};

it.before(async () => {
  ctx.services = [];
  ctx.gitSyncs = [];
  ctx.base = await ensureBaseImage();
  ctx.registry = bus.own(await startTestRegistry());
  ctx.git = createGitFixture("secret-app");
  ctx.http = bus.own(await startGitHttpServer(ctx.git.root, USERNAME, TOKEN));
  ctx.work = mkdtempSync(join(tmpdir(), "slipway-private-e2e-"));
  ctx.gitData = join(ctx.work, "git-sync");
  ctx.logsDir = join(ctx.work, "logs");
  const projectorPort = await freePort();
  ctx.buildsUrl = `http://127.0.0.1:${projectorPort}/builds`;
  const common = { SLIPWAY_NATS_URL: bus.nats.url, SLIPWAY_LOG_LEVEL: "debug" };
  ctx.services.push(
    bus.own(await startService("projector", { ...common, SLIPWAY_PROJECTOR_PORT: String(projectorPort), SLIPWAY_PROJECTOR_HOST: "127.0.0.1", SLIPWAY_PROJECTOR_DATA: join(ctx.work, "projector"), SLIPWAY_LOGS_DIR: ctx.logsDir })),
    bus.own(await startService("builder", common)),
  );
});

it.after(async () => {
  if (ctx.registry) await removeLocalTags(ctx.registry.address).catch((e: unknown) => console.error(e));
  for (const dir of [ctx.work, ctx.git?.root]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** (Re)starts git-sync with these credential settings; the others stay. */
async function gitSync(env: Record<string, string>): Promise<void> {
  await ctx.gitSyncs.at(-1)?.stop();
  const svc = await startService("git-sync", {
    SLIPWAY_NATS_URL: bus.nats.url,
    SLIPWAY_LOG_LEVEL: "debug",
    SLIPWAY_GIT_URL: `${ctx.http.url}/{name}.git`,
    SLIPWAY_GIT_DATA: ctx.gitData,
    SLIPWAY_REGISTRY: ctx.registry.address,
    ...env,
  });
  ctx.gitSyncs.push(bus.own(svc));
}

async function push(deliveryId: string, sha: string): Promise<void> {
  const data: WebhookReceived = {
    deliveryId,
    source: "manual",
    repo: { key: "secret-app", name: "secret-app", owner: null },
    ref: "refs/heads/master",
    branch: "master",
    requestedSha: sha,
    defaultBranch: null,
    pusher: null,
  };
  await publishEvent(bus.js, "WebhookReceived", data, { id: eventIds.webhookReceived(deliveryId), correlationId: deliveryId, causationId: null });
}

type Stored = { subject: string; data: Uint8Array; /** Subject, headers and payload, as stored. */ raw: string };

/** Every message the stream holds, read by sequence number. */
async function storedMessages(stream: string): Promise<Stored[]> {
  const { state } = await bus.jsm.streams.info(stream);
  const out: Stored[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const m = await bus.jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!m) continue;
    const headers = m.header ? [...m.header.keys()].map((k) => `${k}: ${m.header.get(k)}`).join("\n") : "";
    out.push({ subject: m.subject, data: m.data, raw: `${m.subject}\n${headers}\n${Buffer.from(m.data).toString("utf8")}` });
  }
  return out;
}

async function eventsOf(deliveryId: string): Promise<Event[]> {
  return (await storedMessages(STREAM_EVENTS)).map((m) => decodeEvent(m.data)).filter((e) => e.correlationId === deliveryId);
}

async function builds(): Promise<BuildView[]> {
  return ((await (await fetch(ctx.buildsUrl)).json()) as { builds: BuildView[] }).builds;
}

async function builtOnce(deliveryId: string): Promise<BuildView> {
  let build: BuildView | undefined;
  await waitUntil(async () => {
    build = (await builds()).find((b) => b.deliveryId === deliveryId && (b.status === "succeeded" || b.status === "failed"));
    return build !== undefined;
  }, 180_000, `the build of ${deliveryId}`);
  assert.is(build!.status, "succeeded", JSON.stringify(build));
  return build!;
}

async function syncFailed(deliveryId: string): Promise<Event<"RepoSyncFailed">> {
  let failed: Event | undefined;
  await waitUntil(async () => {
    failed = (await eventsOf(deliveryId)).find((e) => e.type === "RepoSyncFailed");
    return failed !== undefined;
  }, 90_000, `RepoSyncFailed of ${deliveryId}`);
  if (failed?.type !== "RepoSyncFailed") throw new Error("unexpected");
  return failed;
}

function noTrace(where: string, text: string): void {
  for (const needle of NEEDLES) assert.not.ok(text.includes(needle), `the token (as ${JSON.stringify(needle.slice(0, 6))}...) is in ${where}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

it("a wrong token: the sync fails, and its message does not carry the token", async () => {
  ctx.git.commit({ Dockerfile: `FROM ${ctx.base}\nRUN echo private build ${TOKEN.length}\n` });
  await gitSync({ SLIPWAY_GIT_TOKEN: WRONG });
  await push("wrong-token", "test");
  const failed = await syncFailed("wrong-token");
  noTrace("the RepoSyncFailed", JSON.stringify(failed));
  assert.not.match(failed.data.message, WRONG);
});

it("no token: the sync fails", async () => {
  await gitSync({});
  await push("no-token", "test");
  const failed = await syncFailed("no-token");
  noTrace("the RepoSyncFailed", JSON.stringify(failed));
});

it("the token: the first push clones and builds, the second fetches and builds", async () => {
  await gitSync({ SLIPWAY_GIT_TOKEN: TOKEN });
  const before = ctx.http.requests.length;
  await push("first", "test");
  await builtOnce("first");
  const second = ctx.git.commit({ "app.txt": "second\n" });
  await push("second", second);
  const build = await builtOnce("second");
  assert.is(build.sha, second);
  // Clone and fetch each asked once without and once with the token.
  const refs = ctx.http.requests.slice(before).filter((r) => r.path === "/secret-app.git/info/refs");
  assert.equal(refs.map((r) => r.authorized), [false, true, false, true]);
  const mirrors = readdirSync(join(ctx.gitData, "mirrors"));
  assert.is(mirrors.length, 1, mirrors.join(","));
});

it("no trace of the token: events, log chunks, service output, log files, data dirs, the mirror's config, the API", async () => {
  const events = await storedMessages(STREAM_EVENTS);
  const chunks = await storedMessages(STREAM_LOGS);
  assert.ok(events.some((m) => m.subject.startsWith("ci.repo.syncfailed.")) && events.some((m) => m.subject.includes(".pushed")));
  assert.ok(chunks.length > 0);
  for (const m of [...events, ...chunks]) noTrace(`stored message ${m.subject}`, m.raw);

  assert.is(ctx.gitSyncs.length, 3);
  for (const svc of [...ctx.gitSyncs, ...ctx.services]) {
    assert.match(svc.output(), /"msg":"ready"/);
    noTrace(`the output of ${svc.name} (pid ${svc.pid})`, svc.output());
  }

  const files = [...filesUnder(ctx.logsDir), ...filesUnder(ctx.gitData), ...filesUnder(join(ctx.work, "projector"))];
  assert.ok(files.some((f) => f.endsWith(".log")) && files.some((f) => f.endsWith("/config")), files.join("\n"));
  for (const file of files) noTrace(file, readFileSync(file).toString("latin1"));
  for (const mirror of readdirSync(join(ctx.gitData, "mirrors"))) {
    const config = execFileSync("git", ["--git-dir", join(ctx.gitData, "mirrors", mirror), "config", "--list", "--show-origin"], { encoding: "utf8" });
    assert.match(config, `remote.origin.url=${ctx.http.url}/secret-app.git`);
    noTrace(`git config of ${mirror}`, config);
  }

  const all = await builds();
  assert.is(all.length, 2);
  const answers = [ctx.buildsUrl, `${ctx.buildsUrl.replace(/\/builds$/, "")}/deliveries`, ...all.flatMap((b) => [`${ctx.buildsUrl}/${b.id}`, `${ctx.buildsUrl}/${b.id}/log`])];
  for (const url of answers) {
    const res = await fetch(url);
    assert.is(res.status, 200, url);
    noTrace(`GET ${url}`, await res.text());
  }
});

it.run();
