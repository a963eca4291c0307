import { createHash, randomUUID } from "node:crypto";

/**
 * A stable id from its parts: a handler that runs twice for the same input (redelivery) derives
 * the same ids, so JetStream's duplicate window (`Nats-Msg-Id`) drops the repeat.
 */
export function stableId(...parts: string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex").slice(0, 32);
}

/** A build id: short, stable for one Dockerfile of one webhook delivery, safe in file names. */
export function buildIdFor(deliveryId: string, dockerfile: string): string {
  return "b" + stableId("build", deliveryId, dockerfile).slice(0, 15);
}

/** A fresh id where no upstream id exists (e.g. a webhook without a delivery header). */
export function newId(): string {
  return randomUUID();
}
