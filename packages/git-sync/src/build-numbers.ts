import type { KV } from "@nats-io/kv";
import { stableId } from "@slipway/events";

/**
 * The per-repo build counter (`:<build number>` tag). One number per delivery, remembered, so a
 * redelivered webhook gets the number it had; the counter moves by compare-and-set, so two
 * git-sync processes never hand out the same number.
 */
export async function buildNumberFor(kv: KV, repoKey: string, deliveryId: string): Promise<number> {
  const deliveryKey = `delivery.${stableId(repoKey, deliveryId)}`;
  const known = await kv.get(deliveryKey);
  if (known && known.operation === "PUT") return Number(known.string());

  const counterKey = `repo.${stableId(repoKey)}`;
  for (let tries = 0; ; tries++) {
    const current = await kv.get(counterKey);
    const next = current && current.operation === "PUT" ? Number(current.string()) + 1 : 1;
    try {
      if (current && current.operation === "PUT") await kv.update(counterKey, String(next), current.revision);
      else await kv.create(counterKey, String(next));
    } catch (err) {
      if (tries >= 20) throw err;
      continue; // another process took this number first: read again
    }
    await kv.put(deliveryKey, String(next));
    return next;
  }
}
