import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { SyncError, SyncErrorCode } from "./errors.js";
import { failureOf, GitFailureKind, redactAll } from "./git-failure.js";
import { GitCommandError, runGit } from "./run-git.js";

export type CheckoutOptions = {
  /** Each git command is killed after this long. */
  timeoutMs: number;
  /** Credentials and the like, as for the mirror (`MirrorOptions.env` / `.config`). */
  env?: Readonly<Record<string, string>>;
  config?: Readonly<Record<string, string>>;
  /**
   * Whether submodule URLs may be local paths or `file://`. git refuses them in submodules by
   * default (`protocol.file.allow=user`, since CVE-2022-39253): a hostile `.gitmodules` naming
   * `/srv/git/other.git`, or git-sync's own mirrors, would copy another repository into this
   * build. Allowed only where SLIPWAY_GIT_URL itself is a local folder: the operator's own.
   */
  allowFileProtocol: boolean;
};

/** Never a hook (a host-wide `core.hooksPath` included); the rest keeps output quiet and stable. */
const SAFE_CONFIG = { "core.hooksPath": "/dev/null", "advice.detachedHead": "false", "core.fsmonitor": "false" };

/**
 * A working copy of `sha` with its submodules, recursively (`git archive` has none), for `use`,
 * removed afterwards whatever happens. The copy is a `--shared` clone of the mirror (no new
 * objects; the mirror itself is not touched), whose `origin` is then the repository's clone URL:
 * relative submodule URLs (`../lib.git`) resolve against it, as in a clone of the repository.
 * git takes `update = !command` only from local config, never from `.gitmodules`, so a push can
 * not make it run a command; hooks are off for every git started here (the config travels in the
 * environment to the submodule clones).
 */
export async function withSubmoduleCheckout<T>(
  mirror: string,
  sha: string,
  cloneUrl: string,
  parentDir: string,
  options: CheckoutOptions,
  use: (dir: string) => Promise<T>,
): Promise<T> {
  await sweepOnce(parentDir);
  await mkdir(parentDir, { recursive: true });
  const dir = await mkdtemp(join(parentDir, "checkout-"));
  const config = { ...SAFE_CONFIG, ...options.config };
  const run = (args: string[], env: Record<string, string> = {}) => runGit(args, { cwd: dir, timeoutMs: options.timeoutMs, env: { ...options.env, ...env }, config });
  let step = "clone";
  try {
    await run(["clone", "--quiet", "--no-checkout", "--shared", "--", mirror, "."]);
    step = "checkout";
    await run(["remote", "set-url", "origin", cloneUrl]);
    await run(["checkout", "--quiet", "--detach", sha]);
    step = "submodule update";
    // GIT_ALLOW_PROTOCOL replaces git's per-protocol policy for this command and its children.
    const protocols = options.allowFileProtocol ? "file:git:http:https:ssh" : "git:http:https:ssh";
    await run(["submodule", "update", "--init", "--recursive", "--quiet"], { GIT_ALLOW_PROTOCOL: protocols });
  } catch (cause) {
    await rm(dir, { recursive: true, force: true });
    throw submoduleError(step, sha, cloneUrl, options, cause);
  }
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const swept = new Map<string, Promise<void>>();

/** Checkouts a killed process left behind go before this process makes its first one. */
function sweepOnce(parentDir: string): Promise<void> {
  let sweep = swept.get(parentDir);
  if (!sweep) {
    sweep = rm(parentDir, { recursive: true, force: true });
    sweep.catch(() => swept.delete(parentDir));
    swept.set(parentDir, sweep);
  }
  return sweep;
}

function submoduleError(step: string, sha: string, cloneUrl: string, options: CheckoutOptions, cause: unknown): SyncError {
  const failure = failureOf(cause);
  const said = redactAll(failure.detail, cloneUrl).slice(0, 300);
  const refused = cause instanceof GitCommandError && /transport 'file' not allowed/.test(cause.stderr);
  const hint = refused ? " (local submodule URLs are refused unless SLIPWAY_GIT_URL is a local folder)" : failure.kind === GitFailureKind.Timeout ? ` (after ${Math.round(options.timeoutMs / 1000)} s, SLIPWAY_GIT_TIMEOUT_SECONDS)` : "";
  // A refused URL, a missing repository or missing access will not mend by itself.
  const retryable = !refused && failure.kind !== GitFailureKind.NotFound && failure.kind !== GitFailureKind.Auth;
  return new SyncError(SyncErrorCode.SubmoduleFailed, `submodules of ${sha} could not be checked out (git ${step}): ${said}${hint}`, retryable, { cause });
}
