import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SyncErrorCode } from "../src/errors.js";
import { classifyGitStderr, GitFailureKind, gitSyncError, type GitFailureKind as Kind } from "../src/git-failure.js";
import { GitCommandError } from "../src/run-git.js";

const ASK = "fatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.";

/** git's words (LC_ALL=C), as git 2.39 and the big hosts print them, and what they mean. */
const TABLE: [string, Kind][] = [
  // Not found
  ["remote: Repository not found.\nfatal: repository 'https://github.com/acme/nope.git/' not found", GitFailureKind.NotFound],
  ["fatal: repository '/srv/git/nope.git' does not exist", GitFailureKind.NotFound],
  [`fatal: '/srv/git/nope.git' does not appear to be a git repository\n${ASK}`, GitFailureKind.NotFound],
  [`ERROR: Repository not found.\n${ASK}`, GitFailureKind.NotFound],
  ["fatal: unable to access 'https://git.example/a.git/': The requested URL returned error: 404", GitFailureKind.NotFound],
  // Auth: refused or missing credentials, an unknown host key
  ["fatal: could not read Username for 'https://github.com': terminal prompts disabled", GitFailureKind.Auth],
  ["remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/acme/app.git/'", GitFailureKind.Auth],
  [`git@github.com: Permission denied (publickey).\n${ASK}`, GitFailureKind.Auth],
  [`Host key verification failed.\n${ASK}`, GitFailureKind.Auth],
  ["fatal: unable to access 'https://git.example/a.git/': The requested URL returned error: 403", GitFailureKind.Auth],
  ["fatal: unable to access 'https://git.example/a.git/': The requested URL returned error: 401", GitFailureKind.Auth],
  // Network: worth another try
  ["fatal: unable to access 'https://nohost.invalid/a.git/': Could not resolve host: nohost.invalid", GitFailureKind.Network],
  [`ssh: Could not resolve hostname nohost: Name or service not known\n${ASK}`, GitFailureKind.Network],
  [`ssh: connect to host 127.0.0.1 port 1: Connection refused\n${ASK}`, GitFailureKind.Network],
  [`ssh: connect to host git.example port 22: Connection timed out\n${ASK}`, GitFailureKind.Network],
  ["fatal: unable to access 'http://127.0.0.1:1/a.git/': Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server", GitFailureKind.Network],
  ["error: RPC failed; curl 56 GnuTLS recv error (-9): Error decoding the received TLS packet.\nfatal: early EOF\nfatal: index-pack failed", GitFailureKind.Network],
  ["fatal: unable to access 'https://git.example/a.git/': The requested URL returned error: 502", GitFailureKind.Network],
  ["fatal: unable to access 'http://127.0.0.1:9/a.git/': Empty reply from server", GitFailureKind.Network],
  ["fatal: unable to access 'http://127.0.0.1:9/a.git/': Recv failure: Connection reset by peer", GitFailureKind.Network],
  // Timeout: curl's stall detection (GIT_HTTP_LOW_SPEED_*)
  ["fatal: unable to access 'http://127.0.0.1:9/a.git/': Operation too slow. Less than 1 bytes/sec transferred the last 300 seconds", GitFailureKind.Timeout],
  // Our mirror is damaged: clone it again
  ["fatal: not a git repository: '/data/mirrors/m.git'", GitFailureKind.BrokenMirror],
  ["fatal: bad config line 1 in file /data/mirrors/m.git/config", GitFailureKind.BrokenMirror],
  ["error: cannot lock ref 'refs/heads/master': Unable to create '/data/mirrors/m.git/refs/heads/master.lock': File exists.", GitFailureKind.BrokenMirror],
  ["error: packfile /m.git/objects/pack/pack-83d2.pack does not match index\nfatal: missing object 3666159376e0e1d745fa30a2d5025f7427c993d5 for refs/heads/master", GitFailureKind.BrokenMirror],
  ["error: object file /m.git/objects/36/66159376e0e1d745fa30a2d5025f7427c993d5 is empty\nfatal: loose object 3666159376e0e1d745fa30a2d5025f7427c993d5 (stored in /m.git/objects/36/6615) is corrupt", GitFailureKind.BrokenMirror],
  // A corrupt *remote* is not ours to re-clone; unknown stays retryable as it was
  ["remote: fatal: bad object 3666159376e0e1d745fa30a2d5025f7427c993d5\nremote: aborting due to possible repository corruption on the remote side.\nfatal: protocol error: bad pack header", GitFailureKind.Unknown],
  ["fatal: something git never said before", GitFailureKind.Unknown],
];

test("git failure - git's stderr is classified by what it means", () => {
  for (const [stderr, kind] of TABLE) assert.is(classifyGitStderr(stderr).kind, kind, stderr);
});

test("git failure - the detail is the line that decided, never the progress", () => {
  assert.is(classifyGitStderr(`Cloning into bare repository 'x'...\ngit@github.com: Permission denied (publickey).\n${ASK}`).detail, "git@github.com: Permission denied (publickey).");
  assert.is(classifyGitStderr("Cloning into bare repository 'x'...\nwarning: odd\nfatal: new trouble").detail, "fatal: new trouble");
  assert.is(classifyGitStderr("").detail, "no output");
});

test("git failure - codes, retry policy and a message a person can act on", () => {
  const url = "https://git.example/acme/app.git";
  const cases: [Kind, string, boolean, RegExp][] = [
    [GitFailureKind.NotFound, SyncErrorCode.RepoNotFound, false, /check the repository name and SLIPWAY_GIT_URL/],
    [GitFailureKind.Auth, SyncErrorCode.AuthFailed, false, /credentials/],
    [GitFailureKind.Network, SyncErrorCode.Network, true, /network/],
    [GitFailureKind.Timeout, SyncErrorCode.Timeout, true, /timeout: no result within 300 s \(SLIPWAY_GIT_TIMEOUT_SECONDS\)/],
    [GitFailureKind.Unknown, SyncErrorCode.FetchFailed, true, /git fetch of/],
  ];
  for (const [kind, code, retryable, says] of cases) {
    const err = gitSyncError("fetch", url, { kind, detail: "fatal: x" }, 300_000);
    assert.is(err.code, code);
    assert.is(err.retryable, retryable, code);
    assert.match(err.message, says);
    assert.match(err.message, url);
  }
  assert.is(gitSyncError("clone", url, { kind: GitFailureKind.Unknown, detail: "x" }, 1000).code, SyncErrorCode.CloneFailed);
});

test("git failure - no credentials in a message, from the URL or from git's echo", () => {
  const url = "https://x-access-token:ghp_secret@git.example/acme/app.git";
  const detail = classifyGitStderr("fatal: unable to access 'https://x-access-token:ghp_secret@git.example/acme/app.git/': Could not resolve host: git.example").detail;
  for (const kind of Object.values(GitFailureKind)) {
    const message = gitSyncError("clone", url, { kind, detail }, 1000).message;
    assert.not.match(message, /ghp_secret|x-access-token/);
  }
  // The cause (logged with its fields at debug) is redacted too.
  const stderr = `fatal: unable to access '${url}/': Could not resolve host: git.example`;
  const withCause = gitSyncError("clone", url, classifyGitStderr(stderr), 1000, new GitCommandError("clone", stderr, 128, false));
  assert.ok(withCause.cause instanceof GitCommandError);
  assert.not.match(JSON.stringify({ ...withCause.cause, message: withCause.cause.message }), /ghp_secret/);
  // A URL git echoes in another spelling (another user, no .git) is hidden too.
  const other = gitSyncError("clone", url, { kind: GitFailureKind.Network, detail: "fatal: unable to access 'https://bot:ghp_other@git.example/acme/app/'" }, 1000).message;
  assert.not.match(other, /ghp_other/);
});

test("git failure - the README documents every sync error code", () => {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  for (const code of [SyncErrorCode.RepoNotFound, SyncErrorCode.AuthFailed, SyncErrorCode.Network, SyncErrorCode.Timeout, SyncErrorCode.CloneFailed, SyncErrorCode.FetchFailed]) {
    assert.ok(readme.includes(`\`${code}\``), `README lists ${code}`);
  }
});

test.run();
