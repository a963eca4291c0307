import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { STREAM_EVENTS } from "@slipway/events";
import { freePort, httpStatus, launcherPidFiles, repoRoot, spawnChild, tcpReachable, waitUntil } from "../src/index.js";

// The launcher end to end on free ports and a temp state dir: it starts NATS and a registry,
// runs the four built services, answers the seed's webhook, and on SIGINT stops all it started.
const launcher = join(repoRoot(), "packages", "launcher", "dist", "cli", "up.js");

type Ports = { natsPort: number; registryPort: number; ingressPort: number; projectorPort: number };

/** `npm start`'s launcher on the given ports, its state under `dir`. */
function startLauncher(dir: string, p: Ports, env: Record<string, string> = {}) {
  return spawnChild({
    name: "up",
    command: process.execPath,
    args: [launcher],
    env: {
      ...process.env,
      SLIPWAY_STATE_DIR: dir,
      SLIPWAY_NATS_URL: `nats://127.0.0.1:${p.natsPort}`,
      SLIPWAY_REGISTRY: `127.0.0.1:${p.registryPort}`,
      SLIPWAY_INGRESS_PORT: String(p.ingressPort),
      SLIPWAY_PROJECTOR_PORT: String(p.projectorPort),
      SLIPWAY_LOGS_DIR: join(dir, "build-logs"),
      ...env,
    },
  });
}

test("launcher - brings everything up and SIGINT stops what it started", async () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-up-"));
  const [natsPort, registryPort, ingressPort, projectorPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const up = startLauncher(dir, { natsPort, registryPort, ingressPort, projectorPort }, { SLIPWAY_GIT_URL: join(dir, "no-git", "{name}.git") });
  try {
    await up.waitForLine((l) => l === "slipway is up", 90_000);
    const out = up.output();
    assert.match(out, new RegExp(`nats://127\\.0\\.0\\.1:${natsPort} +started by this launcher`));
    assert.match(out, /Docker +engine +reused/);
    // SLIPWAY_BUILDERS defaults to 2: two OS processes, each with `builder` in its command line.
    const builderPids = [...out.matchAll(/^ +builder-\d +\(no port\) +pid (\d+)$/gm)].map((m) => Number(m[1]));
    assert.is(builderPids.length, 2, out);
    assert.is.not(builderPids[0], builderPids[1]);
    for (const pid of builderPids) assert.match(readFileSync(`/proc/${pid}/cmdline`, "utf8"), "builder");
    // run/<name>.pid names each process it runs, as the summary does.
    const pids = launcherPidFiles(dir);
    assert.equal([pids.read("builder-1"), pids.read("builder-2")], builderPids);
    for (const name of ["ingress", "git-sync", "projector"]) assert.match(out, new RegExp(`^ +${name} .* pid ${pids.read(name)}$`, "m"));
    assert.match(readFileSync(`/proc/${pids.read("nats-server")}/cmdline`, "utf8"), "nats-server");
    assert.match(readFileSync(`/proc/${pids.read("registry")}/cmdline`, "utf8"), "serve");
    const hook = await fetch(`http://127.0.0.1:${ingressPort}/hook`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ref: "refs/heads/master", repository: { name: "fruty_docker-ci" }, head_commit: { id: "test" } }),
    });
    assert.equal(await hook.json(), { status: "success", data: "", message: "hook successful" });
    assert.is(await httpStatus(`http://127.0.0.1:${registryPort}/v2/`), 200);
    assert.ok(existsSync(join(dir, "logs", "ingress.log")));
    assert.match(readFileSync(join(dir, "logs", "ingress.log"), "utf8"), /"msg":"ready"/);

    up.process.kill("SIGINT");
    const exit = await up.exited;
    assert.is(exit.code, 0, up.output());
    assert.match(up.output(), /stopping nats-server \(started by this launcher\)/);
    assert.is(await tcpReachable("127.0.0.1", natsPort), false);
    assert.is(await httpStatus(`http://127.0.0.1:${registryPort}/v2/`), null);
    assert.is(await tcpReachable("127.0.0.1", ingressPort), false);
    assert.equal(readdirSync(join(dir, "run")), [], "every pid file is removed with its process");
  } finally {
    await up.stop(30_000);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The pid of the one process whose command line contains `needle`. */
function pidOf(needle: string): number {
  const out = execFileSync("pgrep", ["-f", needle], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  assert.is(out.length, 1, `one process matching ${needle}: ${out.join(", ")}`);
  return Number(out[0]);
}

async function postHook(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/hook`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ref: "refs/heads/master", repository: { name: "fruty_docker-ci" }, head_commit: { id: "test" } }),
  }).catch(() => null);
  return res?.status ?? 0;
}

test("launcher - NATS and the registry it started are started again when they die, with their data", async () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-up-"));
  const ports = { natsPort: await freePort(), registryPort: await freePort(), ingressPort: await freePort(), projectorPort: await freePort() };
  const up = startLauncher(dir, ports, { SLIPWAY_GIT_URL: join(dir, "no-git", "{name}.git"), SLIPWAY_BUILDERS: "1" });
  try {
    await up.waitForLine((l) => l === "slipway is up", 90_000);
    assert.is(await postHook(ports.ingressPort), 200);
    /** The stream's message count and its first message, as the server holds them now. */
    const stored = async () => {
      const nc = await connect({ servers: `nats://127.0.0.1:${ports.natsPort}` });
      try {
        const jsm = await jetstreamManager(nc);
        const first = await jsm.streams.getMessage(STREAM_EVENTS, { seq: 1 });
        return { messages: (await jsm.streams.info(STREAM_EVENTS)).state.messages, first: first?.string() ?? null };
      } finally {
        await nc.close();
      }
    };
    const before = await stored();
    assert.ok(before.messages >= 1 && before.first !== null, `events before the kill: ${before.messages}`);

    const natsPid = pidOf(`nats-server -js -a 127.0.0.1 -p ${ports.natsPort} `);
    const pids = launcherPidFiles(dir);
    assert.is(pids.read("nats-server"), natsPid);
    process.kill(natsPid, "SIGKILL");
    await up.waitForLine((l) => l.includes("nats-server exited unexpectedly; starting it again"), 10_000);
    await up.waitForLine((l) => l.includes("nats-server is running again"), 30_000);
    assert.is(pids.read("nats-server"), pidOf(`nats-server -js -a 127.0.0.1 -p ${ports.natsPort} `), "the pid file names the new server");
    // The services reconnect by themselves; a webhook is stored again, after the ones before.
    await waitUntil(async () => (await postHook(ports.ingressPort)) === 200, 60_000, "webhooks accepted after the restart");
    const after = await stored();
    assert.is(after.first, before.first, "the first event survived the restart");
    assert.ok(after.messages > before.messages, `CI_EVENTS kept its ${before.messages} events and took more: ${after.messages}`);

    const config = join(dir, "registry", "config.yml");
    process.kill(pidOf(`serve ${config}`), "SIGKILL");
    await up.waitForLine((l) => l.includes("registry exited unexpectedly; starting it again"), 10_000);
    await up.waitForLine((l) => l.includes("registry is running again"), 30_000);
    assert.is(await httpStatus(`http://127.0.0.1:${ports.registryPort}/v2/`), 200);

    up.process.kill("SIGINT");
    assert.is((await up.exited).code, 0, up.output());
    assert.is(await tcpReachable("127.0.0.1", ports.natsPort), false, "the restarted NATS is stopped too");
    assert.is(await httpStatus(`http://127.0.0.1:${ports.registryPort}/v2/`), null, "and the restarted registry");
  } finally {
    await up.stop(30_000);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("launcher - reuses a NATS it finds and leaves it running", async () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-up-"));
  const natsPort = await freePort();
  const nats = spawnChild({ name: "nats", command: "nats-server", args: ["-js", "-a", "127.0.0.1", "-p", String(natsPort), "-sd", join(dir, "own-nats")] });
  const up = startLauncher(dir, { natsPort, registryPort: await freePort(), ingressPort: await freePort(), projectorPort: await freePort() });
  try {
    await nats.waitForLine((l) => l.includes("Server is ready"), 20_000);
    await up.waitForLine((l) => l === "slipway is up", 90_000);
    assert.match(up.output(), /something listens at 127\.0\.0\.1:\d+, reusing it/);
    up.process.kill("SIGTERM");
    assert.is((await up.exited).code, 0, up.output());
    assert.not.match(up.output(), /stopping nats-server/);
    assert.is(await tcpReachable("127.0.0.1", natsPort), true);
  } finally {
    await up.stop(30_000);
    await nats.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
