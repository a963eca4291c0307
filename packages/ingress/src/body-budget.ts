/**
 * A bound on the body bytes all requests hold at once, so many slow or large bodies cannot exhaust
 * memory: each request reserves its `Content-Length` (or the body limit, when the length is not
 * sent) before its body is read, and gives it back when its response is done.
 */
export class BodyBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  /** Reserves `bytes`; returns the release function, or null when they do not fit now. */
  reserve(bytes: number): (() => void) | null {
    if (this.used + bytes > this.limitBytes) return null;
    this.used += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
    };
  }

  get inFlightBytes(): number {
    return this.used;
  }
}
