/**
 * Turns a build's output, written piece by piece, into ordered log chunks: text is batched (by
 * size, or after a short delay) so a chatty build makes a few messages, not thousands; chunks are
 * sent one after another, each awaited, so they arrive in `seq` order. `offset` is the byte position
 * of a chunk's text in this attempt's log, so a reader can write a repeated chunk in place.
 */

export type LogChunk = { seq: number; offset: number; text: string };

/** Sends one chunk durably (the builder publishes a `BuildLogChunk` and awaits its PubAck). */
export type SendChunk = (chunk: LogChunk) => Promise<void>;

/** Schedules `fn` after `ms`; returns a cancel function. Injected so tests need no clock. */
export type Schedule = (fn: () => void, ms: number) => () => void;

export type LogStreamOptions = {
  /** A chunk's text never exceeds this many UTF-8 bytes (NATS caps a message at 1 MB by default). */
  maxChunkBytes: number;
  /** Buffered text waits at most this long before it is sent. */
  flushIntervalMs: number;
  schedule: Schedule;
};

export function defaultLogStreamOptions(): LogStreamOptions {
  return {
    maxChunkBytes: 16 * 1024,
    flushIntervalMs: 200,
    schedule: (fn, ms) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
  };
}

/** Splits UTF-8 bytes into pieces of at most `max` bytes without cutting a character. */
export function splitUtf8(text: string, max: number): string[] {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= max) return text === "" ? [] : [text];
  const out: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + max, bytes.length);
    // Step back over continuation bytes (10xxxxxx) so the piece ends on a character boundary.
    while (end < bytes.length && end > start && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    if (end === start) end = Math.min(start + max, bytes.length); // max < one character: cannot help it
    out.push(bytes.subarray(start, end).toString("utf8"));
    start = end;
  }
  return out;
}

export class LogStream {
  private readonly options: LogStreamOptions;
  private pending = "";
  private pendingBytes = 0;
  private nextSeq = 0;
  private nextOffset = 0;
  private cancelTimer: (() => void) | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly send: SendChunk,
    options: Partial<LogStreamOptions> = {},
  ) {
    this.options = { ...defaultLogStreamOptions(), ...options };
  }

  /** Bytes written so far (sent or buffered). */
  get bytes(): number {
    return this.nextOffset + this.pendingBytes;
  }

  /** Adds text; it is sent once the buffer is full or the flush interval has passed. */
  write(text: string): void {
    if (text === "") return;
    this.pending += text;
    this.pendingBytes += Buffer.byteLength(text, "utf8");
    if (this.pendingBytes >= this.options.maxChunkBytes) {
      this.cut();
    } else if (this.cancelTimer === null) {
      this.cancelTimer = this.options.schedule(() => {
        this.cancelTimer = null;
        this.cut();
      }, this.options.flushIntervalMs);
    }
  }

  /** Sends what is buffered and waits until every chunk so far is sent; throws the first send error. */
  async flush(): Promise<void> {
    this.cut();
    await this.chain;
    if (this.failure) throw this.failure.error;
  }

  /** Queues the buffered text as chunks, in order after those already queued. */
  private cut(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (this.pending === "") return;
    const pieces = splitUtf8(this.pending, this.options.maxChunkBytes);
    this.pending = "";
    this.pendingBytes = 0;
    for (const text of pieces) {
      const chunk: LogChunk = { seq: this.nextSeq++, offset: this.nextOffset, text };
      this.nextOffset += Buffer.byteLength(text, "utf8");
      // After a failed send the rest is dropped: a later chunk must not land past a missing one.
      this.chain = this.chain.then(async () => {
        if (this.failure) return;
        try {
          await this.send(chunk);
        } catch (error) {
          this.failure = { error };
        }
      });
    }
  }
}
