import { setTimeout as sleep } from "node:timers/promises";
import { JetStreamApiError, type Consumer, type ConsumerMessages } from "@nats-io/jetstream";
import { handleMessage, type ConsumeLoop, type ConsumeOptions, type HandlerContext } from "./consume.js";
import type { Event } from "./envelope.js";

export type SlotOptions = ConsumeOptions & {
  /** How many messages are handled at once. */
  slots: number;
  /** How long one pull request waits on the server for a message; bounds how long a stop waits. */
  pullExpiresMs?: number;
};

/** The consumer or its stream was deleted: pulling again cannot help, the process should know. */
function consumerGone(err: unknown): boolean {
  if (err instanceof JetStreamApiError && err.status === 404) return true;
  const text = err instanceof Error ? err.message : String(err);
  return /consumer (is )?deleted|consumer not found|stream not found/i.test(text);
}

/**
 * Runs `handler` for up to `slots` messages at once, settling each as `consumeEvents` does. Each
 * slot asks the server for one message only when it is free: a message never waits in a client
 * buffer, where no heartbeat would keep it and its ack wait would run out before work started
 * (`consume()` keeps a prefetched message there). The server hands a message to one pull request,
 * so many processes with many slots share a consumer as one work queue.
 */
export function consumeWithSlots(consumer: Consumer, handler: (event: Event, ctx: HandlerContext) => Promise<void>, options: SlotOptions): ConsumeLoop {
  const stopping = new AbortController();
  const pulls = new Set<ConsumerMessages>();
  const expires = options.pullExpiresMs ?? 5_000;

  const slot = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      let batch: ConsumerMessages | undefined;
      try {
        batch = await consumer.fetch({ max_messages: 1, expires });
        pulls.add(batch);
        // A stop that came while the pull was being made: end it now rather than after `expires`.
        if (stopping.signal.aborted) batch.stop();
        for await (const msg of batch) await handleMessage(msg, handler, options, stopping.signal);
      } catch (err) {
        if (consumerGone(err)) throw err;
        if (stopping.signal.aborted) return;
        options.logger.warn({ err }, "pull failed; trying again shortly");
        await sleep(1_000, undefined, { signal: stopping.signal }).catch(() => undefined);
      } finally {
        if (batch) pulls.delete(batch);
      }
    }
  };

  const done = Promise.all(Array.from({ length: Math.max(1, options.slots) }, slot)).then(() => undefined);
  return {
    done,
    async stop() {
      stopping.abort();
      for (const batch of pulls) batch.stop();
      await done.catch(() => undefined);
    },
  };
}
