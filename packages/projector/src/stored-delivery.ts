import { Type, type Static } from "@sinclair/typebox";
import { DeliveryView } from "./read-model.js";

/**
 * A delivery as any projector version saved it (snapshot or journal): records written before
 * `pusher` and `ignored` existed lack them. Reading them through this schema and `upcastDelivery`
 * keeps an upgraded projector's saved model, instead of calling it corrupt and replaying the
 * whole stream (whose oldest events stream limits may have removed).
 */
export const StoredDeliveryView = Type.Object({
  ...DeliveryView.properties,
  pusher: Type.Optional(DeliveryView.properties.pusher),
  ignored: Type.Optional(DeliveryView.properties.ignored),
});
export type StoredDeliveryView = Static<typeof StoredDeliveryView>;

/** The current shape of a stored delivery: what an older projector did not record is unknown (null). */
export function upcastDelivery(d: StoredDeliveryView): DeliveryView {
  return { ...d, pusher: d.pusher ?? null, ignored: d.ignored ?? null };
}
