import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ASKPASS_SCRIPT } from "../src/askpass-script.js";
import { AskpassEnv, gitAccess, shellQuote, sshCommand } from "../src/git-env.js";
import { SecretValue } from "../src/secret-value.js";

const FILES = { askpass: "/tmp/auth/askpass.sh", sshKey: "/tmp/auth/id_deploy", knownHosts: "/tmp/auth/known_hosts" };
const https = { username: "x-access-token", token: new SecretValue("ghs_tok"), tokenFile: null, scheme: "https", host: "github.com" } as const;

test("git env - a token reaches git through askpass in the environment, and no credential helper keeps it", () => {
  const access = gitAccess({ https, ssh: null }, { ...FILES, sshKey: null, knownHosts: null });
  assert.equal(access.env, {
    GIT_ASKPASS: "/tmp/auth/askpass.sh",
    [AskpassEnv.Username]: "x-access-token",
    [AskpassEnv.Token]: "ghs_tok",
    [AskpassEnv.Scheme]: "https",
    [AskpassEnv.Host]: "github.com",
  });
  assert.equal(access.config, { "credential.helper": "" });
});

test("git env - no credentials, nothing added", () => {
  assert.equal(gitAccess({ https: null, ssh: null }, { askpass: null, sshKey: null, knownHosts: null }), { env: {}, config: {} });
});

test("git env - ssh checks the pinned host keys only, offers only the deploy key, never prompts", () => {
  const access = gitAccess({ https: null, ssh: { key: new SecretValue("k"), knownHosts: "h" } }, { ...FILES, askpass: null });
  assert.equal(Object.keys(access.env), ["GIT_SSH_COMMAND"]);
  assert.is(
    access.env.GIT_SSH_COMMAND,
    "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/tmp/auth/known_hosts -o GlobalKnownHostsFile=/dev/null " +
      "-o UpdateHostKeys=no -o IdentitiesOnly=yes -i /tmp/auth/id_deploy",
  );
  assert.is(sshCommand(null, "/k/known_hosts"), "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/k/known_hosts -o GlobalKnownHostsFile=/dev/null -o UpdateHostKeys=no");
  assert.not.match(access.env.GIT_SSH_COMMAND ?? "", /StrictHostKeyChecking=(no|accept-new)/);
});

test("git env - paths ssh would expand or split are refused, arguments are quoted for sh", () => {
  assert.throws(() => sshCommand("/tmp/a b/id", "/tmp/kh"), /unsafe path/);
  assert.throws(() => sshCommand(null, "/tmp/%h/kh"), /unsafe path/);
  assert.throws(() => sshCommand(null, "relative/kh"), /unsafe path/);
  assert.is(shellQuote("plain/path-1.2"), "plain/path-1.2");
  assert.is(shellQuote("it's $HOME"), `'it'\\''s $HOME'`);
  assert.is(execFileSync("sh", ["-c", `printf %s ${shellQuote("it's $HOME `x`")}`], { encoding: "utf8" }), "it's $HOME `x`");
});

test("askpass - answers git's prompts for the template's scheme and host only", () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-askpass-"));
  const script = join(dir, "askpass.sh");
  writeFileSync(script, ASKPASS_SCRIPT, { mode: 0o700 });
  const env = { PATH: "/usr/bin:/bin", [AskpassEnv.Username]: "x-access-token", [AskpassEnv.Token]: "ghs_tok", [AskpassEnv.Scheme]: "https", [AskpassEnv.Host]: "git.example:8443" };
  const ask = (prompt: string) => {
    const r = spawnSync(script, [prompt], { env, encoding: "utf8" });
    return r.status === 0 ? r.stdout : `exit ${r.status}`;
  };
  assert.is(ask("Username for 'https://git.example:8443': "), "x-access-token\n");
  assert.is(ask("Password for 'https://x-access-token@git.example:8443': "), "ghs_tok\n");
  // A redirect elsewhere, or down to plain http, gets nothing.
  assert.is(ask("Password for 'https://x-access-token@evil.example': "), "exit 1");
  assert.is(ask("Password for 'http://x-access-token@git.example:8443': "), "exit 1");
  assert.is(ask("Password for 'https://x@git.example:8443@evil.example': "), "exit 1");
  assert.is(ask("Enter passphrase for 'https://git.example:8443': "), "exit 1");
  assert.is(ask("nothing to see"), "exit 1");
  assert.not.match(ASKPASS_SCRIPT, "ghs_tok");
});

test.run();
