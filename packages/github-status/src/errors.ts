import { SlipwayError } from "@slipway/events";

export const GithubStatusErrorCode = {
  /** GitHub did not answer, or answered 5xx or a rate limit: the message comes back later. */
  Unavailable: "SLIPWAY_GITHUB_UNAVAILABLE",
} as const;
export type GithubStatusErrorCode = (typeof GithubStatusErrorCode)[keyof typeof GithubStatusErrorCode];

/**
 * GitHub could not take the status now. Carries the HTTP status and message only, not octokit's
 * error: that one holds the request, and this error is logged.
 */
export class GithubUnavailableError extends SlipwayError {
  override name = "GithubUnavailableError";
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    super(GithubStatusErrorCode.Unavailable, message);
  }
}
