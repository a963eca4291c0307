import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "@slipway/events";
import { loadConfig } from "../src/config.js";

test("config - defaults: github.com, slipway contexts, no link", () => {
  const c = loadConfig({ SLIPWAY_GITHUB_TOKEN: "ghp_x" });
  assert.is(c.token, "ghp_x");
  assert.is(c.apiUrl, "https://api.github.com");
  assert.is(c.contextPrefix, "slipway");
  assert.is(c.publicUrl, null);
  assert.is(c.retries, 3);
});

test("config - GitHub Enterprise URL and public URL lose their trailing slash", () => {
  const c = loadConfig({ SLIPWAY_GITHUB_TOKEN: "t", SLIPWAY_GITHUB_API_URL: "https://ghe.example.com/api/v3/", SLIPWAY_PUBLIC_URL: "http://ci.example.com:5000/", SLIPWAY_GITHUB_STATUS_CONTEXT_PREFIX: "ci" });
  assert.is(c.apiUrl, "https://ghe.example.com/api/v3");
  assert.is(c.publicUrl, "http://ci.example.com:5000");
  assert.is(c.contextPrefix, "ci");
});

test("config - the token may come from a file", () => {
  const dir = mkdtempSync(join(tmpdir(), "github-status-"));
  try {
    writeFileSync(join(dir, "token"), "ghp_from_file\n");
    assert.is(loadConfig({ SLIPWAY_GITHUB_TOKEN_FILE: join(dir, "token") }).token, "ghp_from_file");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const invalid: [string, Record<string, string>, RegExp][] = [
  ["no token", {}, /SLIPWAY_GITHUB_TOKEN/],
  ["an API URL that is not http(s)", { SLIPWAY_GITHUB_TOKEN: "t", SLIPWAY_GITHUB_API_URL: "ftp://x" }, /SLIPWAY_GITHUB_API_URL/],
  ["a public URL that is not a URL", { SLIPWAY_GITHUB_TOKEN: "t", SLIPWAY_PUBLIC_URL: "ci.example.com" }, /SLIPWAY_PUBLIC_URL/],
  ["credentials in the API URL", { SLIPWAY_GITHUB_TOKEN: "t", SLIPWAY_GITHUB_API_URL: "https://u:p@ghe.example.com/api/v3" }, /SLIPWAY_GITHUB_API_URL/],
  ["a negative retry count", { SLIPWAY_GITHUB_TOKEN: "t", SLIPWAY_GITHUB_RETRIES: "-1" }, /SLIPWAY_GITHUB_RETRIES/],
];
for (const [what, env, name] of invalid) {
  test(`config - refuses ${what}, naming the variable`, () => {
    try {
      loadConfig(env);
      assert.unreachable("should throw");
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.match((err as Error).message, name);
    }
  });
}

test.run();
