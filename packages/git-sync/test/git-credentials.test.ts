import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "@slipway/events";
import { loadGitCredentials } from "../src/git-credentials.js";
import { GitTransport, transportOf } from "../src/git-transport.js";

const HTTPS = "https://github.com/{full_name}.git";
const SSH = "git@github.com:{full_name}.git";
const dir = mkdtempSync(join(tmpdir(), "slipway-creds-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const KNOWN_HOSTS = file("known_hosts", "# pinned\ngithub.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n");
const KEY = file("id", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n");

function refused(env: Record<string, string>, template: string, message: RegExp): void {
  try {
    loadGitCredentials(env, template);
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, message);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(env)} with ${template}`);
}

test("git transport - URLs are read as git reads them", () => {
  const cases: [string, GitTransport][] = [
    ["https://github.com/{full_name}.git", "http"],
    ["HTTP://127.0.0.1:8080/{name}.git", "http"],
    ["ssh://git@github.com/{full_name}.git", "ssh"],
    ["git+ssh://host/{name}", "ssh"],
    ["git@github.com:{full_name}.git", "ssh"],
    ["host:{name}.git", "ssh"],
    ["/srv/git/{name}.git", "local"],
    ["./repos/a:{name}.git", "local"],
    ["file:///srv/git/{name}.git", "local"],
    ["git://host/{name}.git", "other"],
  ];
  for (const [url, transport] of cases) assert.is(transportOf(url), transport, url);
});

test("git credentials - none configured: none used", () => {
  assert.equal(loadGitCredentials({}, HTTPS), { https: null, ssh: null });
  assert.equal(loadGitCredentials({}, "/srv/git/{name}.git"), { https: null, ssh: null });
});

test("git credentials - a token is bound to the template's scheme and host, with GitHub's username by default", () => {
  const creds = loadGitCredentials({ SLIPWAY_GIT_TOKEN: "ghs_secret123" }, HTTPS);
  assert.is(creds.https?.username, "x-access-token");
  assert.is(creds.https?.scheme, "https");
  assert.is(creds.https?.host, "github.com");
  assert.is(creds.https?.token.reveal(), "ghs_secret123");
  const mine = loadGitCredentials({ SLIPWAY_GIT_TOKEN_FILE: file("token", "glpat-abc\n"), SLIPWAY_GIT_USERNAME: "oauth2" }, "https://git.example:8443/{owner}/{name}.git");
  assert.equal([mine.https?.username, mine.https?.host, mine.https?.token.reveal()], ["oauth2", "git.example:8443", "glpat-abc"]);
  assert.is(mine.https?.tokenFile, join(dir, "token"), "read again at every sync");
  assert.is(creds.https?.tokenFile, null);
});

test("git credentials - the token never shows when the credentials or a config holding them are printed", () => {
  const creds = loadGitCredentials({ SLIPWAY_GIT_TOKEN: "ghs_secret123" }, HTTPS);
  const config = { gitUrl: HTTPS, gitCredentials: creds };
  for (const shown of [JSON.stringify(config), inspect(config, { depth: 10 }), `${creds.https?.token}`, String(creds.https?.token)]) {
    assert.not.match(shown, "ghs_secret123");
  }
  assert.match(JSON.stringify(config), "[redacted]");
});

test("git credentials - a token is refused where it could go astray", () => {
  refused({ SLIPWAY_GIT_TOKEN: "t" }, SSH, /SLIPWAY_GIT_TOKEN is for http\(s\) clone URLs/);
  refused({ SLIPWAY_GIT_TOKEN: "t" }, "/srv/git/{name}.git", /SLIPWAY_GIT_TOKEN is for http\(s\)/);
  refused({ SLIPWAY_GIT_TOKEN: "t" }, "http://git.example/{name}.git", /unencrypted to http:\/\/git\.example/);
  refused({ SLIPWAY_GIT_TOKEN: "t" }, "https://{owner}.example/{name}.git", /fixed host/);
  refused({ SLIPWAY_GIT_TOKEN: "t" }, "https://me:pw@github.com/{full_name}.git", /carries credentials/);
  refused({ SLIPWAY_GIT_TOKEN: "t", SLIPWAY_GIT_USERNAME: "a:b" }, HTTPS, /SLIPWAY_GIT_USERNAME/);
  refused({ SLIPWAY_GIT_TOKEN: "t", SLIPWAY_GIT_TOKEN_FILE: KEY }, HTTPS, /not both/);
  refused({ SLIPWAY_GIT_TOKEN_FILE: file("empty", "") }, HTTPS, /empty/);
  // Loopback over plain http never leaves the machine (tests, a local git server).
  for (const host of ["127.0.0.1:9000", "localhost", "[::1]:80"]) {
    assert.is(loadGitCredentials({ SLIPWAY_GIT_TOKEN: "t" }, `http://${host}/{name}.git`).https?.host, host);
  }
});

test("git credentials - ssh needs a pinned known_hosts, with or without a deploy key", () => {
  refused({}, SSH, /SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE.*never accepts an unknown host key/);
  refused({ SLIPWAY_GIT_SSH_KEY_FILE: KEY }, "ssh://git@github.com/{full_name}.git", /SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE/);
  refused({ SLIPWAY_GIT_SSH_KEY_FILE: KEY, SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE: KNOWN_HOSTS }, HTTPS, /for ssh clone URLs/);
  refused({ SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE: file("kh-empty", "# nothing yet\n\n") }, SSH, /no host keys/);
  refused({ SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE: file("kh-bad", "github.com\n") }, SSH, /not a known_hosts line/);
  refused({ SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE: join(dir, "missing") }, SSH, /cannot read/);
  refused({ SLIPWAY_GIT_SSH_KEY_FILE: file("id.pub", "ssh-ed25519 AAAA me\n"), SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE: KNOWN_HOSTS }, SSH, /not a private key/);

  const agent = loadGitCredentials({ SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE: KNOWN_HOSTS }, SSH);
  assert.is(agent.ssh?.key, null);
  assert.match(agent.ssh?.knownHosts ?? "", /^github\.com ssh-ed25519 /);
  const deploy = loadGitCredentials({ SLIPWAY_GIT_SSH_KEY_FILE: KEY, SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE: KNOWN_HOSTS }, SSH);
  assert.match(deploy.ssh?.key?.reveal() ?? "", /BEGIN OPENSSH PRIVATE KEY/);
  assert.not.match(JSON.stringify(deploy), "b3BlbnNzaC1rZXktdjEAAAAA");
});

test.run();
