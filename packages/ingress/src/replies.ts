/** Reply bodies in the seed's shape, which existing callers parse. */
export type Reply = { status: "success" | "ignored" | "error"; data: string; message: string };

/** The seed's exact success body, byte for byte. */
export const HOOK_SUCCESSFUL: Reply = { status: "success", data: "", message: "hook successful" };

export const ignored = (message: string): Reply => ({ status: "ignored", data: "", message });
export const failure = (message: string): Reply => ({ status: "error", data: "", message });

/**
 * Stable codes of the build control API's errors (`POST /builds...`): clients match on `code`,
 * never on `message`. Every code has a row in the README (a test checks it).
 */
export const ControlErrorCode = {
  /** 503: no `SLIPWAY_API_TOKEN` is configured, so the API is off. */
  ApiDisabled: "API_DISABLED",
  /** 401: no bearer token, or a wrong one. */
  Unauthorized: "UNAUTHORIZED",
  /** 400: a bad body, build id, repo, ref, sha, reason or `X-Slipway-User`. */
  InvalidRequest: "INVALID_REQUEST",
  /** 415: a body that is not `application/json`. */
  UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
  /** 403: the repository is not in `SLIPWAY_ALLOWED_REPOS`. */
  RepoNotAllowed: "REPO_NOT_ALLOWED",
  /** 404: no `BuildQueued` is stored for the build id. */
  BuildNotFound: "BUILD_NOT_FOUND",
  /** 409: a retry of a build that has no verdict yet. */
  BuildRunning: "BUILD_RUNNING",
  /** 409: a cancel of a build that already has its verdict. */
  BuildFinished: "BUILD_FINISHED",
  /** 503: JetStream did not answer or acknowledge: nothing was done, retry later. */
  StoreUnavailable: "STORE_UNAVAILABLE",
  /** 500: anything else (logged). */
  Internal: "INTERNAL",
} as const;
export type ControlErrorCode = (typeof ControlErrorCode)[keyof typeof ControlErrorCode];

/** A control API error: the seed's error shape plus a stable `code`. */
export type ControlFailure = Reply & { status: "error"; code: ControlErrorCode };
export const controlFailure = (code: ControlErrorCode, message: string): ControlFailure => ({ status: "error", data: "", message, code });

/** A control API success (202): the request is stored as an event; what follows is asynchronous. */
export type ControlAccepted<T extends object> = { status: "accepted"; message: string } & T;
export const accepted = <T extends object>(message: string, fields: T): ControlAccepted<T> => ({ status: "accepted", message, ...fields });
