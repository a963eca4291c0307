import { rmSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ASKPASS_SCRIPT } from "./askpass-script.js";
import type { GitCredentials } from "./git-credentials.js";
import { gitAccess, type GitAccess, type GitAuthFiles } from "./git-env.js";
import { SecretValue } from "./secret-value.js";

const NONE: GitAccess = Object.freeze({ env: Object.freeze({}), config: Object.freeze({}) });
const written = new WeakMap<GitCredentials, Promise<GitAuthFiles>>();

/**
 * The environment and config that give git the credentials (for `syncMirror`), for one sync.
 * Their files are written on first use, once per process: parallel syncs share them.
 */
export async function prepareGitAccess(credentials: GitCredentials): Promise<GitAccess> {
  if (!credentials.https && !credentials.ssh) return NONE;
  let files = written.get(credentials);
  if (!files) {
    files = writeAuthFiles(credentials);
    // A failed write (a full disk) is tried again by the next sync.
    files.catch(() => written.delete(credentials));
    written.set(credentials, files);
  }
  return gitAccess(await withCurrentToken(credentials), await files);
}

/** The token file read again, so that a rotated token (GitHub App tokens last an hour) is used at once. */
async function withCurrentToken(credentials: GitCredentials): Promise<GitCredentials> {
  const https = credentials.https;
  if (!https?.tokenFile) return credentials;
  const text = await readFile(https.tokenFile, "utf8").catch((cause: Error) => {
    throw new Error(`SLIPWAY_GIT_TOKEN_FILE=${https.tokenFile}: cannot read (${cause.message})`);
  });
  const token = text.replace(/\r?\n$/, "");
  if (token.trim() === "" || /[\r\n]/.test(token)) throw new Error(`SLIPWAY_GIT_TOKEN_FILE=${https.tokenFile}: expected one line, the token`);
  return { ...credentials, https: { ...https, token: new SecretValue(token) } };
}

/**
 * A private folder (0700, from mkdtemp) with the askpass helper and copies of the key and
 * known_hosts: ssh refuses a key that others may read, and a mounted secret is often 0444 or
 * 0644; the copies also give ssh plain paths. Removed when the process exits.
 */
async function writeAuthFiles(credentials: GitCredentials): Promise<GitAuthFiles> {
  const { https, ssh } = credentials;
  const dir = await mkdtemp(join(tmpdir(), "slipway-git-auth-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const write = async (name: string, text: string, mode: number) => {
    const path = join(dir, name);
    await writeFile(path, text, { mode, flag: "wx" });
    return path;
  };
  try {
    return {
      askpass: https ? await write("askpass.sh", ASKPASS_SCRIPT, 0o700) : null,
      // ssh wants the key's final newline, which a secret read from env or file may have lost.
      sshKey: ssh?.key ? await write("id_deploy", ssh.key.reveal().replace(/\n?$/, "\n"), 0o600) : null,
      knownHosts: ssh ? await write("known_hosts", ssh.knownHosts, 0o600) : null,
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
