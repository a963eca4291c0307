import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attemptPath, LogWriter, logPath } from "../src/log-writer.js";
import { BUILD } from "./fixtures.js";

/** Writers made by a test: closed after it (a writer keeps its files open). */
const made: LogWriter[] = [];

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "projector-logs-"));
  try {
    await fn(dir);
  } finally {
    for (const w of made.splice(0)) await w.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function track(w: LogWriter): LogWriter {
  made.push(w);
  return w;
}

const chunk = (offset: number, text: string, attempt = 1) => ({ buildId: BUILD, attempt, seq: offset, offset, text });
const read = (dir: string) => readFile(join(dir, "logs", `${BUILD}.log`), "utf8");
/** A writer as the service makes it: logs in `logs/`, bookkeeping in the state folder. */
const writer = (dir: string) => track(new LogWriter(join(dir, "logs"), join(dir, "state", "log-attempts")));

test("log writer - chunks land at their offsets, in any order", () =>
  withDir(async (dir) => {
    const w = writer(dir);
    await w.write(chunk(6, "world\n"));
    await w.write(chunk(0, "hello "));
    assert.is(await read(dir), "hello world\n");
  }));

test("log writer - a redelivered chunk is written once", () =>
  withDir(async (dir) => {
    const w = writer(dir);
    await w.write(chunk(0, "Step 1/2 : FROM x\n"));
    await w.write(chunk(18, "Step 2/2 : RUN é\n"));
    await w.write(chunk(18, "Step 2/2 : RUN é\n"));
    await w.write(chunk(0, "Step 1/2 : FROM x\n"));
    assert.is(await read(dir), "Step 1/2 : FROM x\nStep 2/2 : RUN é\n");
  }));

test("log writer - a newer attempt restarts the file, an older one is dropped, also after a restart", () =>
  withDir(async (dir) => {
    await writer(dir).write(chunk(0, "attempt one, long output\n"));
    const restarted = writer(dir);
    assert.is(await restarted.write(chunk(0, "two\n", 2)), "written");
    assert.is(await read(dir), "two\n");
    assert.is(await writer(dir).write(chunk(25, "late line of one\n", 1)), "stale");
    assert.is(await read(dir), "two\n");
  }));

test("log writer - the logs folder holds only <buildId>.log; the owning attempt is in the state folder", () =>
  withDir(async (dir) => {
    const w = writer(dir);
    await w.write(chunk(0, "one\n"));
    await w.write(chunk(0, "two\n", 2));
    assert.equal(await readdir(join(dir, "logs")), [`${BUILD}.log`]);
    assert.is(await readFile(attemptPath(join(dir, "state", "log-attempts"), BUILD), "utf8"), "2");
  }));

test("log writer - remembers what it wrote until it is synced", () =>
  withDir(async (dir) => {
    let clock = 1000;
    const w = track(new LogWriter(join(dir, "logs"), join(dir, "attempts"), () => clock));
    assert.equal(w.unsyncedBuilds(), []);
    await w.write(chunk(0, "a\n"));
    clock = 2000;
    await w.write(chunk(2, "b\n"));
    assert.equal(w.unsyncedBuilds(), [[BUILD, 2000]]);
    await w.sync(BUILD);
    assert.equal(w.unsyncedBuilds(), []);
    // Nothing to sync, or an id that is no file name: no-ops.
    await w.sync(BUILD);
    await w.sync("../x");
    assert.is(await read(dir), "a\nb\n");
    // A stale chunk writes nothing, so there is nothing to sync.
    await w.write(chunk(0, "new\n", 2));
    await w.sync(BUILD);
    assert.is(await w.write(chunk(9, "old\n", 1)), "stale");
    assert.equal(w.unsyncedBuilds(), []);
  }));

test("log writer - keeps a few files open: many builds interleaved, evicted and reopened, all complete", () =>
  withDir(async (dir) => {
    const w = track(new LogWriter(join(dir, "logs"), join(dir, "state", "log-attempts"), Date.now, 3));
    const ids = Array.from({ length: 10 }, (_, i) => `b00000000000000${i}`);
    for (let line = 0; line < 5; line++) {
      for (const buildId of ids) await w.write({ buildId, attempt: 1, seq: line, offset: line * 7, text: `line ${line}\n` });
    }
    // A newer attempt of one build while its file is open: restarted, not appended to.
    await w.write({ buildId: ids[9]!, attempt: 2, seq: 0, offset: 0, text: "again\n" });
    for (const buildId of ids) await w.sync(buildId);
    await w.close();
    const expected = Array.from({ length: 5 }, (_, line) => `line ${line}\n`).join("");
    for (const buildId of ids.slice(0, 9)) assert.is(await readFile(join(dir, "logs", `${buildId}.log`), "utf8"), expected, buildId);
    assert.is(await readFile(join(dir, "logs", `${ids[9]}.log`), "utf8"), "again\n");
  }));

test("log writer - file names never leave the logs dir", () => {
  assert.is(logPath("/srv/logs", "../etc"), null);
  assert.is(logPath("/srv/logs", "a/b"), null);
  assert.is(logPath("/srv/logs", ""), null);
  assert.is(logPath("/srv/logs", BUILD), `/srv/logs/${BUILD}.log`);
});

test.run();
