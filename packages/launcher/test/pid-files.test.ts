import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PidFiles, readPidFile } from "../src/cli/pid-files.js";

test("pid files - written, read back, rewritten by a restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-pids-"));
  try {
    const pids = new PidFiles(join(dir, "run"));
    pids.write("builder-1", 1234);
    assert.is(readPidFile(pids.path("builder-1")), 1234);
    pids.write("builder-1", 5678);
    assert.is(readPidFile(pids.path("builder-1")), 5678);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pid files - an exit removes only its own pid, not the one its restart wrote", () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-pids-"));
  try {
    const pids = new PidFiles(dir);
    pids.write("git-sync", 5678);
    pids.remove("git-sync", 1234);
    assert.is(readPidFile(pids.path("git-sync")), 5678);
    pids.remove("git-sync", 5678);
    assert.not.ok(existsSync(pids.path("git-sync")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pid files - a missing or garbled file reads as no pid", () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-pids-"));
  try {
    assert.is(readPidFile(join(dir, "nope.pid")), null);
    writeFileSync(join(dir, "bad.pid"), "twelve\n");
    assert.is(readPidFile(join(dir, "bad.pid")), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
