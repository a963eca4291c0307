import { readdirSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { freePort, withJetStream } from "@slipway/test-kit";
import { INFO, startSyncRig, WARN, type SyncRig } from "./sync-rig.js";

/**
 * A git host that fails on purpose, by repository name: `missing` answers 404, `private` 401,
 * `flaky` closes every connection unanswered, `hang` accepts and never answers.
 */
type FakeHost = { port: number; hits: Map<string, number[]>; open: Set<Socket>; server: Server };

async function startFakeHost(): Promise<FakeHost> {
  const port = await freePort();
  const hits = new Map<string, number[]>();
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    socket.once("data", (chunk) => {
      const name = /^GET \/([a-z]+)\.git\//.exec(chunk.toString("latin1"))?.[1] ?? "?";
      hits.set(name, [...(hits.get(name) ?? []), Date.now()]);
      const answer = (status: string, headers = "") => socket.end(`HTTP/1.1 ${status}\r\n${headers}Content-Length: 0\r\nConnection: close\r\n\r\n`);
      if (name === "missing") answer("404 Not Found");
      else if (name === "private") answer("401 Unauthorized", 'WWW-Authenticate: Basic realm="git"\r\n');
      else if (name === "flaky") socket.destroy();
      // "hang": nothing, ever.
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { port, hits, open, server };
}

const TIMEOUT_S = 2;
const it = suite("sync failures");
const bus = withJetStream(it);
const ctx = {} as { host: FakeHost; rig: SyncRig };

it.before(async () => {
  ctx.host = await startFakeHost();
  ctx.rig = await startSyncRig(bus, `http://127.0.0.1:${ctx.host.port}/{name}.git`, { SLIPWAY_GIT_TIMEOUT_SECONDS: String(TIMEOUT_S) });
});

it.after(async () => {
  for (const socket of ctx.host?.open ?? []) socket.destroy();
  ctx.host?.server.close();
});

/** The consume loop's line for a failed attempt that will be retried. */
const retried = (eventId: string) => ctx.rig.logs().filter((l) => l.msg === "handler failed, message will be redelivered" && l.id === eventId);
const finalFailure = (deliveryId: string) => ctx.rig.logs().filter((l) => l.msg === "sync failed" && l.deliveryId === deliveryId);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("sync failures - a repository the host does not have fails at once, with what to check", async () => {
  const id = await ctx.rig.send("nf-1", "missing");
  const failed = await ctx.rig.waitFor("nf-1", "RepoSyncFailed");
  assert.is(failed.data.code, "GIT_REPO_NOT_FOUND");
  assert.match(failed.data.message, /check the repository name and SLIPWAY_GIT_URL/);
  assert.match(failed.data.message, `http://127.0.0.1:${ctx.host.port}/missing.git`);
  // One delivery: no retry comes after the verdict.
  await sleep(2_500);
  assert.is(ctx.host.hits.get("missing")?.length, 1);
  assert.is(retried(id).length, 0);
  const lines = finalFailure("nf-1");
  assert.is(lines.length, 1);
  assert.is(lines[0]!.code, "GIT_REPO_NOT_FOUND");
});

it("sync failures - credentials refused fail at once and ask for the repository's credentials", async () => {
  const id = await ctx.rig.send("auth-1", "private");
  const failed = await ctx.rig.waitFor("auth-1", "RepoSyncFailed");
  assert.is(failed.data.code, "GIT_AUTH_FAILED");
  assert.match(failed.data.message, /the repository's credentials/);
  await sleep(2_500);
  assert.is(retried(id).length, 0);
  assert.is(finalFailure("auth-1").length, 1);
});

it("sync failures - a network error is retried with growing delays, then fails GIT_NETWORK", async () => {
  const id = await ctx.rig.send("net-1", "flaky");
  const failed = await ctx.rig.waitFor("net-1", "RepoSyncFailed", 40_000);
  assert.is(failed.data.code, "GIT_NETWORK");
  assert.match(failed.data.message, /failed on the network: .*Empty reply from server/);
  // Four retried attempts (the durable delivers 5 times), one WARN line each, then the verdict.
  const attempts = retried(id);
  assert.equal(attempts.map((l) => [l.attempt, l.code, l.retryInMs]), [
    [1, "GIT_NETWORK", 1000],
    [2, "GIT_NETWORK", 2000],
    [3, "GIT_NETWORK", 4000],
    [4, "GIT_NETWORK", 8000],
  ]);
  assert.ok(attempts.every((l) => l.level === WARN));
  // The waits really grew: each gap between attempts at least the announced delay.
  const times = [...attempts.map((l) => l.time), finalFailure("net-1")[0]!.time];
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= attempts[i - 1]!.retryInMs!, `gap ${i}: ${times[i]! - times[i - 1]!} ms`);
});

it("sync failures - a host that never answers fails GIT_TIMEOUT within the timeout, leaving nothing behind", async () => {
  const sent = Date.now();
  const id = await ctx.rig.send("hang-1", "hang");
  // The first attempt ends at the deadline, not when the heartbeat gives up (never).
  for (let i = 0; retried(id).length === 0; i++) {
    assert.ok(i < 100, "the first attempt did not end");
    await sleep(100);
  }
  const first = retried(id)[0]!;
  assert.is(first.code, "GIT_TIMEOUT");
  assert.ok(first.time - sent < TIMEOUT_S * 1000 + 1_500, `first attempt took ${first.time - sent} ms`);
  assert.match(String(first.err), /timeout: no result within 2 s \(SLIPWAY_GIT_TIMEOUT_SECONDS\)/);

  const failed = await ctx.rig.waitFor("hang-1", "RepoSyncFailed", 60_000);
  assert.is(failed.data.code, "GIT_TIMEOUT");
  assert.is(ctx.host.hits.get("hang")?.length, 5);
  // git and its helpers were killed: their connections closed, and no half clone is left.
  await sleep(500);
  assert.is(ctx.host.open.size, 0);
  assert.equal(readdirSync(join(ctx.rig.dataDir, "mirrors")), []);
});

it("sync failures - expected failures log one line with code and reason, and no stack at info", async () => {
  const lines = ctx.rig.logs();
  assert.ok(lines.length > 0);
  assert.ok(lines.every((l) => l.level >= INFO));
  assert.not.match(ctx.rig.service.output(), /"stack"/);
});

it.run();
