import { AckPolicy, DeliverPolicy, JetStreamApiError, type ConsumerInfo, type JetStreamManager } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { DurableSpec } from "@slipway/events";

/**
 * Unacked messages the server lets the projector hold: acks wait for a snapshot, and a replay
 * batches thousands of events per snapshot.
 */
export const PROJECTOR_MAX_ACK_PENDING = 10_000;

/**
 * Puts the projector's durable consumer right after `checkpoint`.
 *
 * The snapshot's checkpoint, not the server's ack state, says where the projection stands: after
 * a crash, messages applied in memory but never persisted are unacked on the server and would
 * only come back after the ack wait, behind newer ones: out of order. And a deleted snapshot
 * must replay the stream from the start although the durable acked it all. So when the
 * consumer's position differs from the checkpoint, it is recreated to start at `checkpoint + 1`.
 * Only one projector may use the durable (it owns the snapshot file too): each projector has its
 * own, named after it (`projectorDurables`).
 *
 * Returns whether the consumer was (re)created.
 */
export async function positionDurable(jsm: JetStreamManager, spec: DurableSpec, checkpoint: number): Promise<boolean> {
  const info = await consumerInfo(jsm, spec);
  if (info && inStep(info, checkpoint)) {
    await jsm.consumers.update(spec.stream, spec.name, { ack_wait: nanos(spec.ackWaitMs), max_deliver: spec.maxDeliver, max_ack_pending: PROJECTOR_MAX_ACK_PENDING });
    return false;
  }
  if (info) await jsm.consumers.delete(spec.stream, spec.name);
  await jsm.consumers.add(spec.stream, {
    durable_name: spec.name,
    ...(spec.filter ? { filter_subject: spec.filter } : {}),
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: spec.maxDeliver,
    max_ack_pending: PROJECTOR_MAX_ACK_PENDING,
    ...(checkpoint === 0 ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: checkpoint + 1 }),
  });
  return true;
}

/**
 * Delivered exactly up to the checkpoint, and nothing unacked. (Not `ack_floor`: a consumer just
 * created at a start sequence reports 0 there until its first ack.)
 */
function inStep(info: ConsumerInfo, checkpoint: number): boolean {
  return info.num_ack_pending === 0 && info.delivered.stream_seq === checkpoint;
}

async function consumerInfo(jsm: JetStreamManager, spec: DurableSpec): Promise<ConsumerInfo | null> {
  try {
    return await jsm.consumers.info(spec.stream, spec.name);
  } catch (err) {
    if (err instanceof JetStreamApiError && err.status === 404) return null;
    throw err;
  }
}
