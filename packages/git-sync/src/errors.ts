import { SlipwayError } from "@slipway/events";

/** Sync failures, by whether trying again can help. */
export const SyncErrorCode = {
  CloneFailed: "GIT_CLONE_FAILED",
  FetchFailed: "GIT_FETCH_FAILED",
  /** The host says the repository does not exist: fails at once. */
  RepoNotFound: "GIT_REPO_NOT_FOUND",
  /** Credentials missing or refused, or the host key unknown: fails at once. */
  AuthFailed: "GIT_AUTH_FAILED",
  /** Host unreachable, connection cut, a 5xx: retried with backoff. */
  Network: "GIT_NETWORK",
  /** A clone or fetch ran past SLIPWAY_GIT_TIMEOUT_SECONDS and was killed: retried. */
  Timeout: "GIT_TIMEOUT",
  RefNotFound: "GIT_REF_NOT_FOUND",
  UnsafeName: "GIT_UNSAFE_REPO_NAME",
  NotAllowed: "GIT_REPO_NOT_ALLOWED",
  ArchiveFailed: "GIT_ARCHIVE_FAILED",
  /** A build context (after .dockerignore) is larger than SLIPWAY_CONTEXT_MAX_BYTES: fails at once. */
  ContextTooLarge: "GIT_CONTEXT_TOO_LARGE",
  /** The submodules (SLIPWAY_GIT_SUBMODULES) could not be checked out; retried unless refused or missing. */
  SubmoduleFailed: "GIT_SUBMODULE_FAILED",
  Unexpected: "GIT_SYNC_UNEXPECTED",
  AttemptsExhausted: "GIT_SYNC_ATTEMPTS_EXHAUSTED",
} as const;
export type SyncErrorCode = (typeof SyncErrorCode)[keyof typeof SyncErrorCode];

/** Codes of a Dockerfile's `BuildFailed` stage `naming`: the push synced, this image is not built. */
export const NamingErrorCode = {
  /** No valid image name can be made from the repository and Dockerfile. */
  Invalid: "IMAGE_NAME_INVALID",
  /** Another repository claimed the name first. */
  Taken: "IMAGE_NAME_TAKEN",
} as const;
export type NamingErrorCode = (typeof NamingErrorCode)[keyof typeof NamingErrorCode];

export class SyncError extends SlipwayError {
  override name = "SyncError";
  constructor(
    override readonly code: SyncErrorCode,
    message: string,
    /** False when a retry would meet the same answer (the ref does not exist). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
