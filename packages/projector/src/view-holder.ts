import type { ProjectionState, ReadModelAccessor, ViewAt } from "./projection-state.js";

/**
 * The view the API reads, swappable: a replay builds a new view beside the live one, and
 * `swap` puts it in place between two requests (reads are synchronous, so none sees a mix).
 */
export class ViewHolder implements ReadModelAccessor {
  constructor(private state: ProjectionState) {}

  get current(): ProjectionState {
    return this.state;
  }

  /** Makes `next` the view; the caller closes the one it replaces. */
  swap(next: ProjectionState): ProjectionState {
    const previous = this.state;
    this.state = next;
    return previous;
  }

  checkpoint(): number {
    return this.state.checkpoint();
  }

  read<T>(read: (view: ViewAt) => T, asOf?: number): T {
    return this.state.read(read, asOf);
  }

  sequenceAt(timeMs: number): number {
    return this.state.sequenceAt(timeMs);
  }
}
