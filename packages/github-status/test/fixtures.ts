import { createEvent, type BuildQueued, type EventData, type EventType, type Event } from "@slipway/events";

export const SHA = "a".repeat(40);
export const DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

/** A BuildQueued of `acme/shop` at SHA; `fields` override. */
export function queued(buildId = "bunit00000000001", fields: Partial<BuildQueued> = {}): BuildQueued {
  return {
    buildId,
    deliveryId: `delivery-${buildId}`,
    repo: { key: "acme/shop", name: "shop", owner: "acme" },
    sha: SHA,
    branch: "main",
    dockerfile: "Dockerfile_test",
    image: "127.0.0.1:5500/acme/shop_test",
    tags: [SHA, "7", "main", "latest"],
    buildNumber: 7,
    contextObject: "ctx",
    ...fields,
  };
}

let n = 0;
/** A validated event, as the consumer hands it over. */
export function event<T extends EventType>(type: T, data: EventData<T>): Event<T> {
  n += 1;
  return createEvent(type, data, { id: `e${n}`, correlationId: "delivery", causationId: null });
}
