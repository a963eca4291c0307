import { readFileSync } from "node:fs";
import { ConfigError } from "@slipway/events";
import { secret, str, type Env } from "@slipway/service-kit";
import { GitTransport, httpOrigin, isLoopbackHost, transportOf } from "./git-transport.js";
import { SecretValue } from "./secret-value.js";

/**
 * An HTTPS token for private repositories. git gets it from an askpass helper, only when it asks
 * for the password of `scheme://host` of `SLIPWAY_GIT_URL`: never in a URL, an argument or a file.
 */
export type HttpsCredentials = Readonly<{
  /** What git answers to "Username for ...": GitHub takes `x-access-token` with app and fine-grained tokens. */
  username: string;
  /** As read at start. */
  token: SecretValue;
  /** `SLIPWAY_GIT_TOKEN_FILE`, read again at every sync: a rotated token needs no restart. */
  tokenFile: string | null;
  scheme: "http" | "https";
  /** host[:port] as written in the template: a redirect elsewhere gets no token. */
  host: string;
}>;

/** An SSH deploy key and the host keys trusted: the only ones, never "accept whatever answers". */
export type SshCredentials = Readonly<{
  /** null: ssh's own keys (agent, ~/.ssh). */
  key: SecretValue | null;
  /** known_hosts lines, pinned: another host key fails the sync. */
  knownHosts: string;
}>;

/** What git-sync gives git to read private repositories; both null for public ones. */
export type GitCredentials = Readonly<{ https: HttpsCredentials | null; ssh: SshCredentials | null }>;

const USERNAME = /^[A-Za-z0-9._@+-]{1,100}$/;

/** Reads `SLIPWAY_GIT_TOKEN`, `SLIPWAY_GIT_SSH_KEY` and friends, refusing settings that can't work safely. */
export function loadGitCredentials(env: Env, urlTemplate: string): GitCredentials {
  const transport = transportOf(urlTemplate);
  return Object.freeze({
    https: httpsCredentials(env, urlTemplate, transport),
    ssh: sshCredentials(env, transport),
  });
}

function httpsCredentials(env: Env, urlTemplate: string, transport: GitTransport): HttpsCredentials | null {
  const token = secret(env, "SLIPWAY_GIT_TOKEN");
  if (token === null) return null;
  const origin = transport === GitTransport.Http ? httpOrigin(urlTemplate) : null;
  if (!origin) throw new ConfigError(`SLIPWAY_GIT_TOKEN is for http(s) clone URLs, and SLIPWAY_GIT_URL is not one; for ssh use SLIPWAY_GIT_SSH_KEY_FILE`);
  if (origin.userinfo !== null) throw new ConfigError("SLIPWAY_GIT_URL carries credentials and SLIPWAY_GIT_TOKEN is set: remove them from the URL");
  if (origin.host === "" || origin.host.includes("{")) {
    throw new ConfigError("SLIPWAY_GIT_TOKEN needs a fixed host in SLIPWAY_GIT_URL (no {name}/{owner} before the path): the token goes to that host only");
  }
  if (origin.scheme === "http" && !isLoopbackHost(origin.host)) {
    throw new ConfigError(`SLIPWAY_GIT_TOKEN would cross the network unencrypted to http://${origin.host}: use https (plain http is allowed for loopback hosts only)`);
  }
  if (/[\r\n]/.test(token)) throw new ConfigError("SLIPWAY_GIT_TOKEN must be one line");
  const username = str(env, "SLIPWAY_GIT_USERNAME", "x-access-token");
  if (!USERNAME.test(username)) throw new ConfigError(`SLIPWAY_GIT_USERNAME=${JSON.stringify(username)}: expected letters, digits and . _ @ + -`);
  const tokenFile = str(env, "SLIPWAY_GIT_TOKEN_FILE", "") || null;
  return Object.freeze({ username, token: new SecretValue(token), tokenFile, scheme: origin.scheme, host: origin.host });
}

function sshCredentials(env: Env, transport: GitTransport): SshCredentials | null {
  const key = secret(env, "SLIPWAY_GIT_SSH_KEY");
  const knownHostsFile = str(env, "SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE", "");
  const isSsh = transport === GitTransport.Ssh;
  if (!isSsh && (key !== null || knownHostsFile !== "")) {
    throw new ConfigError("SLIPWAY_GIT_SSH_KEY_FILE and SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE are for ssh clone URLs, and SLIPWAY_GIT_URL is not one (ssh://... or user@host:path)");
  }
  if (!isSsh) return null;
  if (knownHostsFile === "") {
    throw new ConfigError(
      "SLIPWAY_GIT_URL is an ssh URL: set SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE to a known_hosts file with the server's host key " +
        "(e.g. from `ssh-keyscan <host>`, its fingerprint checked against the one the host publishes); slipway never accepts an unknown host key",
    );
  }
  if (key !== null && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
    throw new ConfigError("SLIPWAY_GIT_SSH_KEY(_FILE): not a private key (expected -----BEGIN OPENSSH PRIVATE KEY-----; the .pub half goes to the git host)");
  }
  return Object.freeze({ key: key === null ? null : new SecretValue(key), knownHosts: readKnownHosts(knownHostsFile) });
}

function readKnownHosts(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new ConfigError(`SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE=${file}: cannot read (${(cause as Error).message})`);
  }
  const entries = text.split(/\r?\n/).filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"));
  if (entries.length === 0) throw new ConfigError(`SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE=${file}: no host keys in it ("host key-type base64-key" lines)`);
  const bad = entries.find((line) => line.trim().split(/\s+/).length < 3);
  if (bad !== undefined) throw new ConfigError(`SLIPWAY_GIT_SSH_KNOWN_HOSTS_FILE=${file}: not a known_hosts line: ${JSON.stringify(bad.slice(0, 80))}`);
  return entries.join("\n") + "\n";
}
