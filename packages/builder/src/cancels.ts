import type { BuildCancelRequested } from "@slipway/events";

/** A running build's handle: aborted, with the request, when someone cancels it. */
export type CancelHandle = {
  signal: AbortSignal;
  /** The request that aborted `signal`; null while nobody asked. */
  readonly request: BuildCancelRequested | null;
  /** The build ended: forget it. */
  release(): void;
};

/**
 * The builds this process is running, by id, so a `BuildCancelRequested` heard on the bus can stop
 * the one it names. A build is tracked before its record is read: a request stored before that is
 * in the record, one that arrives after finds the handle.
 */
export class RunningBuilds {
  private readonly running = new Map<string, { controller: AbortController; request: BuildCancelRequested | null }>();

  track(buildId: string): CancelHandle {
    const entry = { controller: new AbortController(), request: null as BuildCancelRequested | null };
    this.running.set(buildId, entry);
    return {
      signal: entry.controller.signal,
      get request() {
        return entry.request;
      },
      release: () => {
        if (this.running.get(buildId) === entry) this.running.delete(buildId);
      },
    };
  }

  /** Stops the build if it runs here; returns whether it did. */
  cancel(request: BuildCancelRequested): boolean {
    const entry = this.running.get(request.buildId);
    if (!entry || entry.controller.signal.aborted) return false;
    entry.request = request;
    entry.controller.abort(new Error(`cancelled by ${request.requestedBy}`));
    return true;
  }

  get size(): number {
    return this.running.size;
  }
}
