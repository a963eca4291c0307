import { setTimeout as sleep } from "node:timers/promises";
import type { PushRetry } from "./config.js";
import { DockerPushError, DockerUnavailableError, type BuilderError } from "./errors.js";

/** Registry answers that another try cannot change: fail the build at once. */
const PERMANENT = /unauthorized|authentication required|denied|forbidden|manifest invalid|manifest unknown|name invalid|name unknown|tag invalid|unsupported|blob upload invalid|size invalid|digest invalid|too many requests|toomanyrequests|quota/i;

/** The registry or the network to it hiccuped: connection refused or reset, 5xx, timeouts. */
const TRANSIENT =
  /connection refused|connection reset|broken pipe|i\/o timeout|timeout|timed out|unexpected EOF|\bEOF\b|no such host|server misbehaving|network is unreachable|no route to host|temporary failure|service unavailable|bad gateway|gateway timeout|internal server error|status:? 5\d\d|HTTP status 5\d\d|\b50[0-9]\b/i;

/** Whether a failed push is worth another try (the error's own words decide; Docker gives no codes). */
export function isTransientPushError(err: BuilderError): boolean {
  if (err instanceof DockerUnavailableError) return true;
  if (!(err instanceof DockerPushError)) return false;
  if (PERMANENT.test(err.message)) return false;
  return TRANSIENT.test(err.message);
}

/** Wait before try `n` (1 = the first retry): doubling from the base, capped, with up to 25% jitter so builders spread out. */
export function pushRetryDelayMs(n: number, retry: PushRetry, random: () => number = Math.random): number {
  const raw = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (n - 1));
  return Math.round(raw * (1 - 0.25 * random()));
}

/**
 * Runs `push`, retrying transient failures with backoff; `onRetry` tells the build log. Permanent
 * failures and the last transient one are thrown as they are.
 */
export async function withPushRetry<T>(push: () => Promise<T>, retry: PushRetry, onRetry: (n: number, delayMs: number, err: BuilderError) => void, signal?: AbortSignal): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await push();
    } catch (err) {
      const failure = err as BuilderError;
      if (signal?.aborted || n > retry.retries || !isTransientPushError(failure)) throw err;
      const delayMs = pushRetryDelayMs(n, retry);
      onRetry(n, delayMs, failure);
      await sleep(delayMs, undefined, signal ? { signal } : undefined).catch(() => undefined);
      if (signal?.aborted) throw err;
    }
  }
}
