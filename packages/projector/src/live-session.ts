import type { SSEMessage } from "@fastify/sse";
import type { FastifyReply, FastifyRequest } from "fastify";

/** Sends one message; false once the client is gone (the stream should end). */
export type Send = (message: SSEMessage) => Promise<boolean>;

/** The live streams a server has open, so that a stop can end them (an open stream would hold `close()`). */
export class LiveSessions {
  private readonly open = new Set<AbortController>();

  get size(): number {
    return this.open.size;
  }

  /** Ends every open stream: their handlers return and their responses end. */
  abortAll(): void {
    for (const c of this.open) c.abort();
  }

  /**
   * Commits the response as SSE and runs `body` until it returns, the client leaves or `abortAll`.
   * `body` gets the signal to hand to its NATS consumers. A failure after the headers went out
   * cannot become an error answer: it is logged and the stream ends, and an EventSource then
   * reconnects with its `Last-Event-ID`.
   */
  async run(request: FastifyRequest, reply: FastifyReply, body: (signal: AbortSignal, send: Send) => Promise<void>): Promise<void> {
    const controller = new AbortController();
    const { signal } = controller;
    this.open.add(controller);
    reply.sse.onClose(() => controller.abort());
    // Gone while the route looked the build up: its close has fired already, and a follower that
    // never gets anything to send would never find out.
    if (!reply.sse.isConnected) controller.abort();
    const closed = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    const send: Send = async (message) => {
      if (signal.aborted || !reply.sse.isConnected) return false;
      try {
        // Waits for 'drain' when the socket's buffer is full, which a client that left never sends.
        await Promise.race([reply.sse.send(message), closed]);
      } catch {
        return false;
      }
      return !signal.aborted && reply.sse.isConnected;
    };
    try {
      reply.sse.sendHeaders();
      await body(signal, send);
    } catch (err) {
      if (!signal.aborted) request.log.error({ err, url: request.url }, "live stream failed");
    } finally {
      this.open.delete(controller);
      controller.abort();
    }
  }
}
