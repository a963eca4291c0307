import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { SyncError } from "../src/errors.js";
import { withSubmoduleCheckout } from "../src/submodule-checkout.js";
import { createRepoWithSubmodule } from "./submodule-fixture.js";

const it = suite("submodule checkout");
const ctx = {} as { root: string; mirror: string; sha: string; checkouts: string };

it.before(() => {
  ctx.root = mkdtempSync(join(tmpdir(), "slipway-sub-"));
  ctx.sha = createRepoWithSubmodule(ctx.root, "app", "lib", "vendor/lib", { "lib.txt": "from lib\n" }, { Dockerfile: "FROM scratch\n" });
  ctx.mirror = join(ctx.root, "mirror.git");
  execFileSync("git", ["clone", "--quiet", "--mirror", join(ctx.root, "app.git"), ctx.mirror]);
  ctx.checkouts = join(ctx.root, "checkouts");
});

it.after(() => {
  if (ctx.root) rmSync(ctx.root, { recursive: true, force: true });
});

const options = (allowFileProtocol: boolean) => ({ timeoutMs: 60_000, allowFileProtocol });

it("submodules - checked out recursively from the relative URL, resolved against the clone URL; removed afterwards", async () => {
  const seen = await withSubmoduleCheckout(ctx.mirror, ctx.sha, join(ctx.root, "app.git"), ctx.checkouts, options(true), async (dir) => {
    assert.ok(existsSync(join(dir, "Dockerfile")));
    return readFileSync(join(dir, "vendor", "lib", "lib.txt"), "utf8");
  });
  assert.is(seen, "from lib\n");
  assert.equal(readdirSync(ctx.checkouts), []);
});

it("submodules - a local submodule URL is refused, for good, unless SLIPWAY_GIT_URL is a local folder", async () => {
  const err = await withSubmoduleCheckout(ctx.mirror, ctx.sha, join(ctx.root, "app.git"), ctx.checkouts, options(false), async () => "checked out").catch((e: unknown) => e);
  assert.instance(err, SyncError);
  const syncError = err as SyncError;
  assert.is(syncError.code, "GIT_SUBMODULE_FAILED");
  assert.is(syncError.retryable, false);
  assert.match(syncError.message, /transport 'file' not allowed/);
  assert.match(syncError.message, /SLIPWAY_GIT_URL/);
  assert.equal(readdirSync(ctx.checkouts), []);
});

it("submodules - hooks never run, whatever the host's git config", async () => {
  // A post-checkout hook that would leave a mark, via a host-wide core.hooksPath.
  const hooks = join(ctx.root, "hooks");
  const mark = join(ctx.root, "hook-ran");
  mkdirSync(hooks);
  writeFileSync(join(hooks, "post-checkout"), `#!/bin/sh\ntouch ${mark}\n`, { mode: 0o755 });
  execFileSync("git", ["config", "--file", join(ctx.root, "gitconfig"), "core.hooksPath", hooks]);
  await withSubmoduleCheckout(ctx.mirror, ctx.sha, join(ctx.root, "app.git"), ctx.checkouts, { ...options(true), env: { GIT_CONFIG_GLOBAL: join(ctx.root, "gitconfig") } }, async () => undefined);
  assert.not.ok(existsSync(mark));
});

it.run();
