/** What to do when GitHub did not accept a request. */
export const FailureAction = {
  /** Worth another try later (5xx, network, timeout, rate limit): the message is redelivered. */
  retry: "retry",
  /** Another try gets the same answer (bad token, no access, unknown commit, 422): warn once, move on. */
  giveUp: "give-up",
} as const;
export type FailureAction = (typeof FailureAction)[keyof typeof FailureAction];

/** What octokit's `RequestError` carries, read without trusting its type. */
export type HttpFailure = { status: number; headers: Record<string, string | undefined> };

/** The HTTP answer in an error thrown by octokit, or null when there was none (network, abort). */
export function httpFailure(err: unknown): HttpFailure | null {
  if (typeof err !== "object" || err === null) return null;
  const status: unknown = Reflect.get(err, "status");
  const response: unknown = Reflect.get(err, "response");
  if (typeof status !== "number" || typeof response !== "object" || response === null) return null;
  const raw: unknown = Reflect.get(response, "headers");
  const headers: Record<string, string | undefined> = {};
  if (typeof raw === "object" && raw !== null) {
    for (const [k, v] of Object.entries(raw)) headers[k.toLowerCase()] = v === undefined || v === null ? undefined : String(v);
  }
  return { status, headers };
}

/**
 * Decides on a failed request. No HTTP answer (connection refused, timeout) or a 5xx is retried.
 * So are rate limits: 429, and the 403 GitHub answers with `x-ratelimit-remaining: 0` or a
 * `retry-after` (its secondary limits). Any other 4xx would fail the same way again.
 */
export function failureAction(err: unknown): FailureAction {
  const failure = httpFailure(err);
  if (failure === null || failure.status >= 500) return FailureAction.retry;
  const { status, headers } = failure;
  if (status === 408 || status === 429) return FailureAction.retry;
  if (status === 403 && (headers["x-ratelimit-remaining"] === "0" || headers["retry-after"] !== undefined)) return FailureAction.retry;
  return FailureAction.giveUp;
}
