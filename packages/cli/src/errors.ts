/**
 * What an exit code means, for scripts: the one table `slipway --help` and the README print.
 * 130 is the shell's code for Ctrl-C, used where stopping early leaves the question unanswered.
 */
export const ExitCode = {
  /** Done; for `logs -f`, the build pushed its image. */
  ok: 0,
  /** The thing asked about failed: a build that failed or was cancelled, an API refusal, a failed replay. */
  failed: 1,
  /** Bad usage, or nothing to talk to: projector or NATS unreachable, a token missing. */
  usage: 2,
  /** Interrupted (Ctrl-C) before the answer came (`logs -f` of a build still running). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure with its own message (no stack) and exit code: what the user can act on. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad arguments or settings, or nothing answering where we were told to look: exit 2. */
export class UsageError extends CliError {
  override name = "UsageError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, options);
  }
}

/** The system answered and said no (a 4xx/5xx that is not a usage error): exit 1. */
export class FailedError extends CliError {
  override name = "FailedError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failed, options);
  }
}
