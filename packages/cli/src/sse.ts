import { createParser, type EventSourceMessage } from "eventsource-parser";

export type { EventSourceMessage };

/**
 * Reads a `text/event-stream` body to its end, handing each event to `onEvent` in order; stops
 * early when `onEvent` returns `"stop"`. Comments (heartbeats) are skipped by the parser.
 */
export async function readSse(body: ReadableStream<Uint8Array>, onEvent: (e: EventSourceMessage) => "stop" | void): Promise<"stopped" | "ended"> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => void queue.push(e) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length > 0) {
        if (onEvent(queue.shift()!) === "stop") return "stopped";
      }
    }
    return "ended";
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
