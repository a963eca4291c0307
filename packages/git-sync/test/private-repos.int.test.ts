/**
 * Private repositories at the mirror: a real git smart-HTTP server that wants a token, and a real
 * sshd that wants a deploy key, each reached by `syncMirror` with what `SLIPWAY_GIT_*` configure.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createGitFixture, type GitFixture } from "@slipway/test-kit";
import { prepareGitAccess } from "../src/git-auth.js";
import { loadGitCredentials } from "../src/git-credentials.js";
import { syncMirror } from "../src/mirror.js";
import { startGitHttpServer, type GitHttpServer } from "./git-http-server.js";
import { newSshKey, startPrivateSshd, type PrivateSshd } from "./private-sshd.js";

const TOKEN = `ghs_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
const it = suite("private repos");
const ctx = {} as { work: string; git: GitFixture; http: GitHttpServer; sshd: PrivateSshd; deployKeyFile: string; n: number };

it.before(async () => {
  ctx.work = mkdtempSync(join(tmpdir(), "slipway-private-"));
  ctx.git = createGitFixture("app");
  ctx.git.commit({ Dockerfile: "FROM scratch\n" });
  ctx.http = await startGitHttpServer(ctx.git.root, "x-access-token", TOKEN);
  const deploy = newSshKey(ctx.work, "deploy");
  // As a mounted secret often is: readable by others, which ssh refuses for a key it is given.
  chmodSync(deploy.file, 0o644);
  ctx.deployKeyFile = deploy.file;
  ctx.sshd = await startPrivateSshd(deploy.publicKey);
  ctx.n = 0;
});

it.after(async () => {
  await ctx.http?.stop();
  await ctx.sshd?.stop();
  for (const dir of [ctx.work, ctx.git?.root]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const mirror = () => join(ctx.work, "mirrors", `m${++ctx.n}.git`);

async function syncFails(url: string, path: string, options: Parameters<typeof syncMirror>[2]): Promise<Error & { code?: string }> {
  try {
    await syncMirror(url, path, options);
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error("the sync succeeded");
}

it("https - the token reaches git through askpass: clone, then fetch; nothing stores it", async () => {
  const template = `${ctx.http.url}/{name}.git`;
  const access = await prepareGitAccess(loadGitCredentials({ SLIPWAY_GIT_TOKEN: TOKEN }, template));
  // A home whose git config stores every credential it sees: ours must clear that helper.
  const home = join(ctx.work, "home");
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, ".gitconfig"), "[credential]\n\thelper = store\n");
  const url = `${ctx.http.url}/app.git`;
  const path = mirror();
  const env = { ...access.env, HOME: home };
  const before = ctx.http.requests.length;

  await syncMirror(url, path, { env, config: access.config });
  const tip = ctx.git.commit({ "app.txt": "v2\n" });
  await syncMirror(url, path, { env, config: access.config });
  assert.is(execFileSync("git", ["--git-dir", path, "rev-parse", "refs/heads/master"], { encoding: "utf8" }).trim(), tip);

  // git asked without credentials first (401), then with the token, for the clone and the fetch.
  const infoRefs = ctx.http.requests.slice(before).filter((r) => r.path === "/app.git/info/refs");
  assert.equal(infoRefs.map((r) => r.authorized), [false, true, false, true]);
  assert.not.ok(existsSync(join(home, ".git-credentials")), "a credential helper stored the token");
  const config = execFileSync("git", ["--git-dir", path, "config", "--list", "--show-origin"], { encoding: "utf8" });
  assert.match(config, `remote.origin.url=${url}`);
  assert.not.match(config, TOKEN);
  assert.not.match(readFileSync(join(path, "config"), "utf8"), TOKEN);

  // The control: without our empty credential.helper, that home's helper does write the token down.
  await syncMirror(url, mirror(), { env });
  assert.match(readFileSync(join(home, ".git-credentials"), "utf8"), TOKEN);
});

it("https - without a token, or with a wrong one, the sync fails and says nothing of the token", async () => {
  const url = `${ctx.http.url}/app.git`;
  const none = await syncFails(url, mirror(), {});
  assert.match(none.message, /could not read Username|terminal prompts disabled/);
  const wrong = await prepareGitAccess(loadGitCredentials({ SLIPWAY_GIT_TOKEN: `${TOKEN}-wrong` }, `${ctx.http.url}/{name}.git`));
  const refused = await syncFails(url, mirror(), { env: wrong.env, config: wrong.config });
  assert.match(refused.message, /Authentication failed/);
  for (const err of [none, refused]) {
    assert.not.match(`${err.message} ${JSON.stringify(err)}`, TOKEN);
  }
});

it("https - a rotated token file is read again at the next sync, without a restart", async () => {
  const tokenFile = join(ctx.work, "git-token");
  writeFileSync(tokenFile, `${TOKEN}\n`);
  const credentials = loadGitCredentials({ SLIPWAY_GIT_TOKEN_FILE: tokenFile }, `${ctx.http.url}/{name}.git`);
  const url = `${ctx.http.url}/app.git`;
  const sync = async (path: string) => {
    const access = await prepareGitAccess(credentials);
    await syncMirror(url, path, { env: access.env, config: access.config });
  };
  const path = mirror();
  await sync(path);
  const rotated = `${TOKEN}-rotated`;
  ctx.http.setToken(rotated);
  try {
    assert.match((await syncFails(url, path, { ...(await prepareGitAccess(credentials)) })).message, /Authentication failed/);
    writeFileSync(tokenFile, `${rotated}\n`);
    await sync(path);
  } finally {
    ctx.http.setToken(TOKEN);
  }
});

it("ssh - a deploy key and the pinned host key: clone, then fetch", async () => {
  const knownHosts = join(ctx.work, "known_hosts");
  writeFileSync(knownHosts, `${ctx.sshd.knownHostsLine}\n`);
  const template = `ssh://${ctx.sshd.user}@127.0.0.1:${ctx.sshd.port}${ctx.git.root}/{name}.git`;
  const access = await prepareGitAccess(loadGitCredentials({ SLIPWAY_GIT_SSH_KEY_FILE: ctx.deployKeyFile, SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE: knownHosts }, template));
  const url = template.replace("{name}", "app");
  const path = mirror();
  await syncMirror(url, path, { env: access.env, config: access.config });
  const tip = ctx.git.commit({ "app.txt": "over ssh\n" });
  await syncMirror(url, path, { env: access.env, config: access.config });
  assert.is(execFileSync("git", ["--git-dir", path, "rev-parse", "refs/heads/master"], { encoding: "utf8" }).trim(), tip);
  assert.match(ctx.sshd.output(), /Accepted publickey for/);
});

it("ssh - another host key at that address fails with 'Host key verification failed'", async () => {
  const impostor = newSshKey(ctx.work, "impostor").publicKey.split(/\s+/);
  const knownHosts = join(ctx.work, "known_hosts_other");
  writeFileSync(knownHosts, `[127.0.0.1]:${ctx.sshd.port} ${impostor[0]} ${impostor[1]}\n`);
  const template = `ssh://${ctx.sshd.user}@127.0.0.1:${ctx.sshd.port}${ctx.git.root}/{name}.git`;
  const access = await prepareGitAccess(loadGitCredentials({ SLIPWAY_GIT_SSH_KEY_FILE: ctx.deployKeyFile, SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE: knownHosts }, template));
  const err = await syncFails(template.replace("{name}", "app"), mirror(), { env: access.env, config: access.config });
  assert.match(err.message, /Host key verification failed/);
});

it("ssh - a key the server does not know is refused", async () => {
  const knownHosts = join(ctx.work, "known_hosts");
  const stranger = newSshKey(ctx.work, "stranger");
  const template = `ssh://${ctx.sshd.user}@127.0.0.1:${ctx.sshd.port}${ctx.git.root}/{name}.git`;
  const access = await prepareGitAccess(loadGitCredentials({ SLIPWAY_GIT_SSH_KEY_FILE: stranger.file, SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE: knownHosts }, template));
  const err = await syncFails(template.replace("{name}", "app"), mirror(), { env: access.env, config: access.config });
  assert.match(err.message, /Permission denied \(publickey\)/);
});

it.run();
