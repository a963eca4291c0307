import type { ObjectResult, ObjectStore } from "@nats-io/obj";

/**
 * How long opening a build context keeps trying before the attempt fails. Opening it needs the
 * contexts stream's leader; in a NATS cluster that lost the leader's server, the others elect a
 * new one within seconds. Failing the attempt instead would spend one of the build's attempts on
 * trouble that is not the build's (seen: three attempts used up during one election).
 */
export const CONTEXT_OPEN_PATIENCE_MS = 30_000;

/** Opens a stored context (null: there is none by that name), trying again while NATS does not answer. */
export async function openContext(
  store: Pick<ObjectStore, "get">,
  name: string,
  o: { signal?: AbortSignal; patienceMs?: number; onRetry?: (err: unknown, waitMs: number) => void } = {},
): Promise<ObjectResult | null> {
  const deadline = Date.now() + (o.patienceMs ?? CONTEXT_OPEN_PATIENCE_MS);
  for (let attempt = 0; ; attempt++) {
    try {
      return await store.get(name);
    } catch (err) {
      const waitMs = Math.min(500 * 2 ** attempt, 5_000);
      if (o.signal?.aborted || Date.now() + waitMs > deadline) throw err;
      o.onRetry?.(err, waitMs);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
