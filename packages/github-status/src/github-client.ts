import { retry } from "@octokit/plugin-retry";
import { Octokit } from "@octokit/rest";
import type { Logger } from "@slipway/service-kit";
import { CommitState, type CommitStatus, type StatusTarget } from "./status.js";

/** The two calls of GitHub's commit status API this service makes. */
export type CommitStatusApi = {
  /** `POST /repos/{owner}/{repo}/statuses/{sha}`; resolves once GitHub answered 2xx. */
  create(target: StatusTarget, status: CommitStatus, signal: AbortSignal): Promise<void>;
  /** The newest status of `context` on the commit (`GET .../commits/{sha}/status`), or null. */
  current(target: StatusTarget, context: string, signal: AbortSignal): Promise<CommitStatus | null>;
};

export type GithubClientOptions = {
  token: string;
  /** `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server. */
  apiUrl: string;
  /** Quick retries of a 5xx or network error within one delivery, before it is given back. */
  retries: number;
  /** Waits between them: 1, 4, 9... times this (octokit's retry plugin). */
  retryDelayMs: number;
  /** One request's time limit: a hung connection must not hold the message (and those behind it). */
  timeoutMs: number;
  logger: Logger;
};

const RetryingOctokit = Octokit.plugin(retry);

/** `fetch` with a time limit per request, so each retry gets its own. */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    // A timeout fails with TimeoutError, which octokit turns into a retried 500; the caller's
    // abort (a stop) stays an AbortError, which is not retried.
    return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
}

/** GitHub's commit status API through octokit; the token goes only into the Authorization header. */
export function githubClient(options: GithubClientOptions): CommitStatusApi {
  const { logger } = options;
  const octokit = new RetryingOctokit({
    auth: options.token,
    baseUrl: options.apiUrl,
    userAgent: "slipway-github-status",
    retry: { retries: options.retries, retryAfterBaseValue: options.retryDelayMs },
    request: { fetch: fetchWithTimeout(options.timeoutMs) },
    // Octokit logs to the console by default; ours keeps one JSON line format.
    log: {
      debug: (message: string) => logger.debug({ octokit: true }, message),
      info: (message: string) => logger.debug({ octokit: true }, message),
      warn: (message: string) => logger.warn({ octokit: true }, message),
      error: (message: string) => logger.error({ octokit: true }, message),
    },
  });
  return {
    async create(target, status, signal) {
      await octokit.rest.repos.createCommitStatus({
        owner: target.owner,
        repo: target.repo,
        sha: target.sha,
        state: status.state,
        context: status.context,
        description: status.description,
        ...(status.targetUrl === null ? {} : { target_url: status.targetUrl }),
        request: { signal },
      });
    },
    async current(target, context, signal) {
      // The combined status holds the newest status of each context (up to 100 of them).
      const { data } = await octokit.rest.repos.getCombinedStatusForRef({ owner: target.owner, repo: target.repo, ref: target.sha, per_page: 100, request: { signal } });
      const found = data.statuses.find((s) => s.context === context);
      const state = Object.values(CommitState).find((s) => s === found?.state);
      if (!found || !state) return null;
      return { state, context: found.context, description: found.description ?? "", targetUrl: found.target_url ?? null };
    },
  };
}
