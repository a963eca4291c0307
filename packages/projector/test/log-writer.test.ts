import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LogWriter, logPath } from "../src/log-writer.js";
import { BUILD } from "./fixtures.js";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "projector-logs-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const chunk = (offset: number, text: string, attempt = 1) => ({ buildId: BUILD, attempt, seq: offset, offset, text });
const read = (dir: string) => readFile(join(dir, `${BUILD}.log`), "utf8");

test("log writer - chunks land at their offsets, in any order", () =>
  withDir(async (dir) => {
    const w = new LogWriter(join(dir, "logs"));
    await w.write(chunk(6, "world\n"));
    await w.write(chunk(0, "hello "));
    assert.is(await readFile(join(dir, "logs", `${BUILD}.log`), "utf8"), "hello world\n");
  }));

test("log writer - a redelivered chunk is written once", () =>
  withDir(async (dir) => {
    const w = new LogWriter(dir);
    await w.write(chunk(0, "Step 1/2 : FROM x\n"));
    await w.write(chunk(18, "Step 2/2 : RUN é\n"));
    await w.write(chunk(18, "Step 2/2 : RUN é\n"));
    await w.write(chunk(0, "Step 1/2 : FROM x\n"));
    assert.is(await read(dir), "Step 1/2 : FROM x\nStep 2/2 : RUN é\n");
  }));

test("log writer - a newer attempt restarts the file, an older one is dropped, also after a restart", () =>
  withDir(async (dir) => {
    await new LogWriter(dir).write(chunk(0, "attempt one, long output\n"));
    const restarted = new LogWriter(dir);
    assert.is(await restarted.write(chunk(0, "two\n", 2)), "written");
    assert.is(await read(dir), "two\n");
    assert.is(await new LogWriter(dir).write(chunk(25, "late line of one\n", 1)), "stale");
    assert.is(await read(dir), "two\n");
  }));

test("log writer - file names never leave the logs dir", () => {
  assert.is(logPath("/srv/logs", "../etc"), null);
  assert.is(logPath("/srv/logs", "a/b"), null);
  assert.is(logPath("/srv/logs", ""), null);
  assert.is(logPath("/srv/logs", BUILD), `/srv/logs/${BUILD}.log`);
});

test.run();
