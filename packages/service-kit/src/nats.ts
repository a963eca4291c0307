import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "./logger.js";

/**
 * Connects to NATS, waiting for it to come up: services start in any order, so a missing server
 * at start is a reason to wait and say so, not to crash. Reconnects forever once connected.
 */
export async function connectNats(url: string, name: string, logger: Logger, signal?: AbortSignal): Promise<NatsConnection> {
  const servers = url.split(",").map((s) => s.trim());
  for (let attempt = 1; ; attempt++) {
    try {
      // noAsyncTraces: the client would build two Error objects per request (every JetStream
      // publish is one) only to improve stack traces; measured at ~14% of ingress's CPU per hook.
      const nc = await connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 1000, noAsyncTraces: true });
      logger.info({ server: nc.getServer() }, "connected to NATS");
      return nc;
    } catch (err) {
      if (signal?.aborted) throw err;
      if (attempt === 1 || attempt % 10 === 0) logger.warn({ url, attempt, err: (err as Error).message }, "waiting for NATS");
      await new Promise((r) => setTimeout(r, Math.min(2000, 200 * attempt)));
    }
  }
}
