/**
 * One lane per repository: work for the same key runs one at a time, in the order it was asked
 * for; work for different keys runs at once. Pushes to one repository then mirror, number and
 * queue in the order they reached this process, while one slow repository holds up only itself.
 */
export class RepoLanes {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // The last one out removes the lane, so the map holds only repositories with work in flight.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Repositories with work running or waiting. */
  get busy(): number {
    return this.tails.size;
  }
}
