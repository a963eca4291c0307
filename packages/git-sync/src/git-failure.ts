import { SyncError, SyncErrorCode } from "./errors.js";
import { redactIn } from "./redact.js";
import { GitCommandError } from "./run-git.js";

/** What a failed clone or fetch means for the next step. */
export const GitFailureKind = {
  NotFound: "not-found",
  Auth: "auth",
  Timeout: "timeout",
  Network: "network",
  /** The local mirror is damaged: clone it again. */
  BrokenMirror: "broken-mirror",
  Unknown: "unknown",
} as const;
export type GitFailureKind = (typeof GitFailureKind)[keyof typeof GitFailureKind];

/**
 * git's stderr (run with LC_ALL=C) -> kind, first match wins. Auth comes before not-found: after
 * `Permission denied (publickey)` git adds "make sure ... the repository exists".
 */
const RULES: readonly (readonly [GitFailureKind, RegExp])[] = [
  [
    GitFailureKind.Auth,
    /Authentication failed|could not read (Username|Password)|terminal prompts disabled|Permission denied \(|Permission denied, please try again|Host key verification failed|returned error: 40[13]\b|HTTP 40[13]\b|Invalid username or (password|token)/i,
  ],
  [
    GitFailureKind.NotFound,
    /Repository not found|repository '[^']*' (not found|does not exist)|does not appear to be a git repository|returned error: 404\b|HTTP 404\b/i,
  ],
  [GitFailureKind.Timeout, /Operation too slow|Operation timed out after/i],
  [
    GitFailureKind.Network,
    /Could not resolve host|Temporary failure in name resolution|Name or service not known|Connection refused|Couldn't connect to server|Failed to connect to|Connection timed out|Connection reset|Network is unreachable|No route to host|early EOF|RPC failed|returned error: (5\d\d|429|408)\b|HTTP (5\d\d|429)\b|the remote end hung up unexpectedly|unexpected disconnect|Empty reply from server|(Recv|Send) failure|gnutls_handshake|SSL_ERROR_SYSCALL|TLS connection was non-properly terminated/i,
  ],
  [
    GitFailureKind.BrokenMirror,
    /not a git repository|bad object|is corrupt|cannot be accessed|does not match index|missing object|bad config|unable to read [0-9a-f]{7,}|Unable to create '[^']*\.lock': File exists|cannot lock ref|is far too short to be a packfile|object file .* is empty|inflate: data stream error|invalid sha1 pointer|No such remote/i,
  ],
];

/** Lines git relays from the server: a corrupt *remote* is no reason to re-clone ours. */
const REMOTE_LINE = /^remote:/;

export type GitFailure = { kind: GitFailureKind; /** The line that decided it, else git's first complaint. */ detail: string };

/** Pure: what a failed git command's stderr means. */
export function classifyGitStderr(stderr: string): GitFailure {
  const lines = stderr.split(/\r?\n|\r/).map((l) => l.trim()).filter((l) => l !== "" && !/^Cloning into /.test(l));
  for (const [kind, pattern] of RULES) {
    const candidates = kind === GitFailureKind.BrokenMirror ? lines.filter((l) => !REMOTE_LINE.test(l)) : lines;
    const line = candidates.find((l) => pattern.test(l));
    if (line !== undefined) return { kind, detail: line };
  }
  return { kind: GitFailureKind.Unknown, detail: lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? "no output" };
}

/** A thrown error of `runGit` (or of spawning it) as a failure: killed at the deadline is a timeout. */
export function failureOf(err: unknown): GitFailure {
  if (err instanceof GitCommandError) return err.timedOut ? { kind: GitFailureKind.Timeout, detail: "killed at the deadline" } : classifyGitStderr(err.stderr);
  return { kind: GitFailureKind.Unknown, detail: err instanceof Error ? err.message : String(err) };
}

export type GitOperation = "clone" | "fetch";

/** git's words made safe to show: the clone URL and any URL git echoed lose their credentials. */
export function redactAll(text: string, url: string): string {
  return redactIn(text, url).replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s']*@/gi, "$1***@");
}

/**
 * The SyncError of a failed clone or fetch, with a message a person can act on. Never carries
 * credentials: the URL and git's words are redacted.
 */
export function gitSyncError(op: GitOperation, url: string, failure: GitFailure, timeoutMs: number, cause?: unknown): SyncError {
  const where = redactAll(url, url);
  const said = redactAll(failure.detail, url).slice(0, 300);
  // The cause is logged (stack at debug, with its fields): git's words in it are redacted too.
  const options = { cause: cause instanceof GitCommandError ? new GitCommandError(cause.command, redactAll(cause.stderr, url), cause.exitCode, cause.timedOut) : cause };
  switch (failure.kind) {
    case GitFailureKind.NotFound:
      return new SyncError(SyncErrorCode.RepoNotFound, `repository not found at ${where}: check the repository name and SLIPWAY_GIT_URL; a private repository the credentials may not read looks the same (git: ${said})`, false, options);
    case GitFailureKind.Auth:
      return new SyncError(
        SyncErrorCode.AuthFailed,
        `access to ${where} was refused: give git-sync the repository's credentials, or check that they are valid and may read it (some hosts answer so for a repository that does not exist) (git: ${said})`,
        false,
        options,
      );
    case GitFailureKind.Timeout:
      return new SyncError(
        SyncErrorCode.Timeout,
        `git ${op} of ${where} timeout: no result within ${Math.round(timeoutMs / 1000)} s (SLIPWAY_GIT_TIMEOUT_SECONDS); the host is not answering, or the repository needs a longer timeout`,
        true,
        options,
      );
    case GitFailureKind.Network:
      return new SyncError(SyncErrorCode.Network, `git ${op} of ${where} failed on the network: ${said}`, true, options);
    case GitFailureKind.BrokenMirror:
    case GitFailureKind.Unknown:
      return new SyncError(op === "clone" ? SyncErrorCode.CloneFailed : SyncErrorCode.FetchFailed, `git ${op} of ${where} failed: ${said}`, true, options);
  }
}
