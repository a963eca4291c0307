import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadConfig } from "../src/config.js";

const CWD = "/srv/ci";

test("config - defaults: the name and folders installations already have, loopback without a token", () => {
  const c = loadConfig({}, CWD);
  assert.is(c.name, "projector");
  assert.is(c.host, "127.0.0.1");
  assert.is(c.port, 5000);
  assert.is(c.apiToken, null);
  assert.is(c.insecureNoToken, false);
  assert.is(c.dataDir, "/srv/ci/.slipway/projector");
  assert.is(c.logsDir, "/srv/ci/logs");
  assert.is(c.readyMaxLag, 1000);
});

test("config - a named projector gets a state folder of its own; an explicit one wins", () => {
  assert.is(loadConfig({ SLIPWAY_PROJECTOR_NAME: "replica-b" }, CWD).dataDir, "/srv/ci/.slipway/projector-replica-b");
  assert.is(loadConfig({ SLIPWAY_PROJECTOR_NAME: "replica-b", SLIPWAY_PROJECTOR_DATA: "/data/b" }, CWD).dataDir, "/data/b");
  assert.is(loadConfig({ SLIPWAY_PROJECTOR_NAME: "replica-b" }, CWD).logsDir, "/srv/ci/logs");
});

test("config - a name that is no safe durable name, or another service's, stops the start", () => {
  for (const name of ["a.b", "a b", "a*", "Replica", "builders", "git-sync"]) {
    assert.throws(() => loadConfig({ SLIPWAY_PROJECTOR_NAME: name }, CWD), /SLIPWAY_PROJECTOR_NAME/, name);
  }
});

test("config - with a token: every address by default; without: another address needs the insecure setting", () => {
  const secured = loadConfig({ SLIPWAY_API_TOKEN: "t" }, CWD);
  assert.is(secured.host, "0.0.0.0");
  assert.is(secured.apiToken, "t");
  assert.is(loadConfig({ SLIPWAY_PROJECTOR_HOST: "::1" }, CWD).host, "::1");
  assert.throws(() => loadConfig({ SLIPWAY_PROJECTOR_HOST: "0.0.0.0" }, CWD), /SLIPWAY_PROJECTOR_HOST=0\.0\.0\.0 without SLIPWAY_API_TOKEN.*SLIPWAY_PROJECTOR_INSECURE_NO_TOKEN=true/);
  const open = loadConfig({ SLIPWAY_PROJECTOR_HOST: "0.0.0.0", SLIPWAY_PROJECTOR_INSECURE_NO_TOKEN: "true" }, CWD);
  assert.is(open.host, "0.0.0.0");
  assert.is(open.insecureNoToken, true);
});

test("config - the token may come from a file; an empty one stops the start", () => {
  const dir = mkdtempSync(join(tmpdir(), "projector-config-"));
  try {
    writeFileSync(join(dir, "token"), "from-file\n");
    writeFileSync(join(dir, "empty"), "");
    assert.is(loadConfig({ SLIPWAY_API_TOKEN_FILE: join(dir, "token") }, CWD).apiToken, "from-file");
    assert.throws(() => loadConfig({ SLIPWAY_API_TOKEN_FILE: join(dir, "empty") }, CWD), /SLIPWAY_API_TOKEN_FILE.*empty/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
