import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { startDockerEngineIfNeeded } from "../src/infra/docker.js";
import { isAlive } from "../src/processes.js";

// A fake daemon on a temp socket: the real engine on this machine must never be stopped by a test.
const fake = fileURLToPath(new URL("./fixtures/fake-dockerd.mjs", import.meta.url));

test("docker engine - starts the daemon when none answers, and stop ends it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-engine-"));
  const socket = join(dir, "docker.sock");
  const logFile = join(dir, "dockerd.log");
  const docker = new Docker({ socketPath: socket });
  try {
    const engine = await startDockerEngineIfNeeded({ docker, logFile, command: [process.execPath, fake, socket] });
    assert.is(engine.started, true);
    assert.ok(await docker.ping());
    const again = await startDockerEngineIfNeeded({ docker, logFile, command: [process.execPath, fake, socket, "fail"] });
    assert.is(again.started, false); // it answers now: reused, the failing command never ran
    await again.stop();
    assert.ok(await docker.ping());
    await engine.stop();
    await docker.ping().then(
      () => assert.unreachable("the daemon should be gone"),
      () => {},
    );
    assert.match(readFileSync(logFile, "utf8"), "fake-dockerd: stopping");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("docker engine - a daemon that exits at start fails with its log", async () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-engine-"));
  const socket = join(dir, "docker.sock");
  try {
    await startDockerEngineIfNeeded({
      docker: new Docker({ socketPath: socket }),
      logFile: join(dir, "dockerd.log"),
      command: [process.execPath, fake, socket, "fail"],
    });
    assert.unreachable("should have failed");
  } catch (err) {
    assert.match((err as Error).message, /exited at start/);
    assert.match((err as Error).message, /pid file found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("docker engine - isAlive tells a live pid from a finished one", () => {
  assert.is(isAlive(process.pid), true);
  assert.is(isAlive(2 ** 22 + 12345), false);
});

test.run();
