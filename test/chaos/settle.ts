/**
 * Waits for the system to finish what it accepted: every accepted webhook in the view with a
 * build per Dockerfile, no build without its verdict, and no message pending or unacked on any
 * durable consumer. The last part matters: a killed service's message comes back only after its
 * ack wait (git-sync's is 60 s), and a duplicate would be born then, after the view looked done.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { STREAM_EVENTS, STREAM_LOGS } from "@slipway/events";
import { isAccepted, type Push } from "./load.js";
import { allBuilds, allDeliveries, isTerminalStatus } from "./view.js";

export type Settled = { settled: boolean; afterMs: number; waitingFor: string[] };

/** What is still in flight, in words; empty when nothing is. */
async function stillInFlight(projectorUrl: string, consumers: () => Promise<string[]>, pushes: readonly Push[]): Promise<string[]> {
  const [builds, deliveries] = await Promise.all([allBuilds(projectorUrl), allDeliveries(projectorUrl)]);
  const seen = new Set(deliveries.map((d) => d.deliveryId));
  const built = new Set(builds.map((b) => `${b.deliveryId}\n${b.dockerfile}`));
  const accepted = pushes.filter(isAccepted);
  const notInView = accepted.filter((p) => !seen.has(p.deliveryId)).length;
  const notQueued = accepted.flatMap((p) => p.dockerfiles.filter((d) => !built.has(`${p.deliveryId}\n${d.name}`))).length;
  const unfinished = builds.filter((b) => !isTerminalStatus(b.status)).length;
  return [
    ...(notInView ? [`${notInView} accepted webhooks not in the view`] : []),
    ...(notQueued ? [`${notQueued} Dockerfiles without a build`] : []),
    ...(unfinished ? [`${unfinished} builds without a verdict`] : []),
    ...(await consumers()),
  ];
}

export async function waitUntilSettled(o: { natsUrl: string; projectorUrl: string; pushes: readonly Push[]; timeoutMs: number; log: (line: string) => void }): Promise<Settled> {
  const started = Date.now();
  const nc = await connect({ servers: o.natsUrl, maxReconnectAttempts: -1, waitOnFirstConnect: true });
  try {
    const jsm = await jetstreamManager(nc);
    const consumers = async () => {
      const busy: string[] = [];
      for (const stream of [STREAM_EVENTS, STREAM_LOGS]) {
        for (const c of await jsm.consumers.list(stream).next()) {
          if (!c.config.durable_name) continue;
          if (c.num_pending + c.num_ack_pending > 0) busy.push(`consumer ${c.name}: ${c.num_pending} pending, ${c.num_ack_pending} unacked`);
        }
      }
      return busy;
    };
    let waitingFor: string[] = ["nothing looked at yet"];
    let lastSaidAt = 0;
    let quietSince: number | null = null;
    while (Date.now() - started < o.timeoutMs) {
      waitingFor = await stillInFlight(o.projectorUrl, consumers, o.pushes).catch((err: unknown) => [`the view or NATS: ${err instanceof Error ? err.message : String(err)}`]);
      if (waitingFor.length === 0) {
        // Quiet twice, 2 s apart: a message nacked with a delay or a late verdict gets a chance to show.
        if (quietSince !== null && Date.now() - quietSince >= 2000) return { settled: true, afterMs: quietSince - started, waitingFor };
        quietSince ??= Date.now();
      } else {
        quietSince = null;
        if (Date.now() - lastSaidAt >= 10_000) {
          o.log(`waiting for: ${waitingFor.join("; ")}`);
          lastSaidAt = Date.now();
        }
      }
      await sleep(1000);
    }
    return { settled: false, afterMs: Date.now() - started, waitingFor };
  } finally {
    await nc.close();
  }
}
