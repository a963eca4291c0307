import type { GitCredentials } from "./git-credentials.js";

/** Files the credentials need on disk, in a private folder (see git-auth.ts). */
export type GitAuthFiles = Readonly<{ askpass: string | null; sshKey: string | null; knownHosts: string | null }>;

/**
 * What remote git commands run with, on top of the mirror's defaults (`MirrorOptions.env` and
 * `.config`; config travels in the environment too): never on argv, which `ps` shows.
 */
export type GitAccess = Readonly<{ env: Readonly<Record<string, string>>; config: Readonly<Record<string, string>> }>;

/** Where the askpass helper reads what it answers; set on git's environment only. */
export const AskpassEnv = {
  Username: "SLIPWAY_GIT_ASKPASS_USERNAME",
  Token: "SLIPWAY_GIT_ASKPASS_TOKEN",
  Scheme: "SLIPWAY_GIT_ASKPASS_SCHEME",
  Host: "SLIPWAY_GIT_ASKPASS_HOST",
} as const;

/** Pure: the environment and config that give git the credentials, given their files. */
export function gitAccess(credentials: GitCredentials, files: GitAuthFiles): GitAccess {
  const env: Record<string, string> = {};
  const config: Record<string, string> = {};
  const https = credentials.https;
  if (https && files.askpass) {
    Object.assign(env, {
      GIT_ASKPASS: files.askpass,
      [AskpassEnv.Username]: https.username,
      [AskpassEnv.Token]: https.token.reveal(),
      [AskpassEnv.Scheme]: https.scheme,
      [AskpassEnv.Host]: https.host,
    });
    // An empty value clears the helpers of the system and user config: after a good login git
    // hands the credentials to every helper, and `store` would write the token to ~/.git-credentials.
    config["credential.helper"] = "";
  }
  if (credentials.ssh && files.knownHosts) env.GIT_SSH_COMMAND = sshCommand(files.sshKey, files.knownHosts);
  return { env, config };
}

/**
 * `GIT_SSH_COMMAND` (run by `sh -c`): only the pinned host keys count (no global file, no prompt,
 * no learning new keys), and with a deploy key only that key is offered.
 */
export function sshCommand(key: string | null, knownHosts: string): string {
  const args = [
    "ssh",
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=yes",
    "-o", `UserKnownHostsFile=${sshPath(knownHosts)}`,
    "-o", "GlobalKnownHostsFile=/dev/null",
    "-o", "UpdateHostKeys=no",
  ];
  if (key !== null) args.push("-o", "IdentitiesOnly=yes", "-i", sshPath(key));
  return args.map(shellQuote).join(" ");
}

/** ssh expands `%x`, `${X}` and `~` in these paths and splits on spaces: ours are plain, so make sure. */
function sshPath(path: string): string {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(path)) throw new Error(`unsafe path for ssh: ${JSON.stringify(path)} (set TMPDIR to a plain absolute path)`);
  return path;
}

/** One argument for `sh`: single-quoted unless plainly safe. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9._/=@:,+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
