import type { ConsumerInfo, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { DurableSpec, ProjectorDurables } from "@slipway/events";
import { judgeLag, type DurableLag, type Readiness } from "./readiness.js";

export type LagProbeOptions = {
  nc: Pick<NatsConnection, "isClosed">;
  /** A manager whose requests time out quickly: a probe must answer while NATS does not. */
  jsm: JetStreamManager;
  durables: ProjectorDurables;
  /** The read model's checkpoint (the last CI_EVENTS sequence applied). */
  checkpoint: () => number;
  maxLag: number;
};

async function durableLag(jsm: JetStreamManager, spec: DurableSpec, checkpoint: (info: ConsumerInfo) => number): Promise<DurableLag> {
  const [info, stream] = await Promise.all([jsm.consumers.info(spec.stream, spec.name), jsm.streams.info(spec.stream)]);
  const at = checkpoint(info);
  const lastSeq = stream.state.last_seq;
  return { durable: spec.name, stream: spec.stream, pending: info.num_pending, ackPending: info.num_ack_pending, lastSeq, checkpoint: at, behind: Math.max(0, lastSeq - at) };
}

/** `GET /readyz`'s question, asked of NATS: is it reachable, and how far behind is each durable? */
export function lagProbe(o: LagProbeOptions): () => Promise<Readiness> {
  return async () => {
    if (o.nc.isClosed()) return { status: "unavailable", maxLag: o.maxLag, message: "the NATS connection is closed" };
    try {
      const [events, logs] = await Promise.all([
        durableLag(o.jsm, o.durables.events, () => o.checkpoint()),
        durableLag(o.jsm, o.durables.logs, (info) => info.ack_floor.stream_seq),
      ]);
      return judgeLag({ events, logs }, o.maxLag);
    } catch (err) {
      return { status: "unavailable", maxLag: o.maxLag, message: `NATS did not answer: ${(err as Error).message}` };
    }
  };
}
