/** A failure the user can act on: its message is the whole story (no stack), exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
