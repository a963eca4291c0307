import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hostTree } from "../src/host-tree.js";

test("host-tree - files by their own path, symlinks kept as links, skipped names left out at any depth", () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-host-tree-"));
  try {
    writeFileSync(join(dir, "git"), "binary");
    symlinkSync("git", join(dir, "git-upload-pack"));
    mkdirSync(join(dir, "mergetools"));
    writeFileSync(join(dir, "mergetools", "vimdiff"), "script");
    writeFileSync(join(dir, "mergetools", "git-daemon"), "server");
    writeFileSync(join(dir, "git-daemon"), "server");

    const tree = hostTree(dir, (name) => name === "git-daemon");
    assert.equal(tree.files, { [join(dir, "git")]: join(dir, "git"), [join(dir, "mergetools", "vimdiff")]: join(dir, "mergetools", "vimdiff") });
    assert.equal(tree.links, { [join(dir, "git-upload-pack")]: "git" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
