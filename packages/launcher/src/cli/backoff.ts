/**
 * Delay before restarting a service that died for the `attempt`-th time in a row: 1 s, 2 s, 4 s…
 * capped at 30 s, so a crash loop neither spins nor leaves a CI down for long once fixed.
 */
export function restartDelayMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/** A run this long counts as healthy: the next death starts the backoff over. */
export const HEALTHY_RUN_MS = 60_000;
