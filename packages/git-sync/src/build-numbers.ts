import type { KV } from "@nats-io/kv";
import { stableId } from "@slipway/events";

/**
 * The per-repo build counter (`:<build number>` tag). One number per delivery, remembered (in a
 * bucket whose entries expire: it only has to outlive redeliveries), so a redelivered webhook
 * gets the number it had; the counter moves by compare-and-set, so two git-sync processes never
 * hand out the same number. A crash between the two writes costs a number, never a duplicate.
 */
export async function buildNumberFor(counters: KV, deliveries: KV, repoKey: string, deliveryId: string): Promise<number> {
  const deliveryKey = `d.${stableId(repoKey, deliveryId)}`;
  const known = await deliveries.get(deliveryKey);
  if (known && known.operation === "PUT") return Number(known.string());

  const counterKey = `repo.${stableId(repoKey)}`;
  for (let tries = 0; ; tries++) {
    const current = await counters.get(counterKey);
    const exists = current !== null && current.operation === "PUT";
    const next = exists ? Number(current.string()) + 1 : 1;
    try {
      if (exists) await counters.update(counterKey, String(next), current.revision);
      else await counters.create(counterKey, String(next));
    } catch (err) {
      if (tries >= 20) throw err;
      continue; // another process took this number first: read again
    }
    await deliveries.put(deliveryKey, String(next));
    return next;
  }
}
