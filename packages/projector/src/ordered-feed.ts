import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from "@nats-io/jetstream";

/**
 * A server-side ordered consumer kept alive while unused; the client deletes it on `close`, so
 * this is only the bound for a process that died with streams open.
 */
const INACTIVE_THRESHOLD_MS = 60_000;

/**
 * Messages a live stream may hold in the client before its HTTP client has taken them. The
 * library asks the server for more only once the iterator has walked past what it buffered, so
 * a slow reader pauses the pulling instead of growing memory.
 */
const BUFFERED_MESSAGES = 100;

export type OrderedFeedOptions = {
  stream: string;
  /** One subject filter (nats-server 2.9 takes no list); omitted = the whole stream. */
  filter?: string;
  /** First stream sequence to deliver (1 = everything stored). */
  startSeq: number;
};

/** Stored and then live messages of one stream, in order, for one HTTP client. */
export type OrderedFeed = {
  messages: ConsumerMessages;
  /** Stops pulling and deletes the consumer on the server; safe to call twice. */
  close(): Promise<void>;
};

/**
 * Opens an ordered (ephemeral, unacked, recreated on a gap) consumer at `startSeq`. Always a start
 * sequence, never `DeliverPolicy.New`: a consumer the library recreates before its first message
 * restarts from its cursor, which "new" leaves at 0 (the whole stream again).
 */
export async function openOrderedFeed(js: JetStreamClient, o: OrderedFeedOptions): Promise<OrderedFeed> {
  const consumer = await js.consumers.get(o.stream, {
    ...(o.filter ? { filter_subjects: o.filter } : {}),
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, o.startSeq),
    inactive_threshold: INACTIVE_THRESHOLD_MS,
  });
  let messages: ConsumerMessages;
  try {
    messages = await consumer.consume({ max_messages: BUFFERED_MESSAGES });
  } catch (err) {
    await consumer.delete().catch(() => undefined);
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    messages,
    close() {
      // Stop first (it unsubscribes at once), so that the library does not recreate the consumer
      // deleted under it. Its promise is not awaited: it settles only once an iterator walks to
      // the stop, and a reader that ended early (the verdict sent) never walks there.
      closing ??= (async () => {
        void messages.close();
        await consumer.delete().catch(() => undefined);
      })();
      return closing;
    },
  };
}
