import type { WebhookIgnored, WebhookReceived } from "@slipway/events";
import type { HookStore } from "../src/hook-route.js";

/** A hook store that keeps what the route stored, or fails every call like an unreachable JetStream. */
export function recordingStore(fail = false) {
  const received: WebhookReceived[] = [];
  const ignored: WebhookIgnored[] = [];
  const keep = <T>(list: T[]) => async (event: T) => {
    if (fail) throw new Error("no JetStream");
    list.push(event);
  };
  const store: HookStore = { received: keep(received), ignored: keep(ignored) };
  return { store, received, ignored };
}
