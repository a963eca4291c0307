/** Stable error codes: match on `code`, across processes and NATS, never on messages. */
export const ErrorCode = {
  InvalidEvent: "SLIPWAY_INVALID_EVENT",
  UnsupportedVersion: "SLIPWAY_UNSUPPORTED_EVENT_VERSION",
  Config: "SLIPWAY_CONFIG",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base error of the project: a stable code, and the cause kept. */
export class SlipwayError extends Error {
  override name = "SlipwayError";
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A message that does not match its schema, or names an unknown type. */
export class InvalidEventError extends SlipwayError {
  override name = "InvalidEventError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.InvalidEvent, message, options);
  }
}

/** An event written by a newer producer than this consumer understands. */
export class UnsupportedVersionError extends SlipwayError {
  override name = "UnsupportedVersionError";
  constructor(message: string) {
    super(ErrorCode.UnsupportedVersion, message);
  }
}

/** Bad configuration: the service refuses to start and says which setting is wrong. */
export class ConfigError extends SlipwayError {
  override name = "ConfigError";
  constructor(message: string) {
    super(ErrorCode.Config, message);
  }
}
