/**
 * Turns a build's output, written piece by piece, into ordered log chunks: text is batched (by
 * size, or after a short delay) so a chatty build makes a few messages, not thousands; chunks leave
 * in `seq` order with a bounded number unconfirmed, so they are stored in order. `offset` is the byte
 * position of a chunk's text in this attempt's log, so a reader can write a repeated chunk in place.
 * Memory stays bounded: output past a cap is dropped, and `ready()` lets the producer wait.
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
  /**
   * Chunks sent before the first of them is confirmed. They leave in order on one connection, so
   * the stream stores them in order; waiting for each PubAck in turn would cap a chatty build at
   * one chunk per round trip.
   */
  window: number;
  /** Build output kept per attempt; past it one truncation line, and the rest is dropped (the build goes on). */
  maxBytes: number;
  /** `ready()` waits while more than this many bytes are buffered or unconfirmed: backpressure for the producer. */
  highWaterBytes: number;
};

export function defaultLogStreamOptions(): LogStreamOptions {
  return {
    maxChunkBytes: 16 * 1024,
    flushIntervalMs: 50,
    schedule: (fn, ms) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
    window: 32,
    maxBytes: 100 * 1024 * 1024,
    highWaterBytes: 256 * 1024,
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

/** The first `max` UTF-8 bytes of `text`, never ending inside a character. */
function headUtf8(text: string, max: number): string {
  return max <= 0 ? "" : (splitUtf8(text, max)[0] ?? "");
}

export class LogStream {
  private readonly options: LogStreamOptions;
  private pending = "";
  private pendingBytes = 0;
  private nextSeq = 0;
  private nextOffset = 0;
  /** Build output accepted so far, against `maxBytes`. */
  private outputBytes = 0;
  private truncated = false;
  private cancelTimer: (() => void) | null = null;
  /** Chunks cut but not yet handed to `send`, with their UTF-8 size. */
  private readonly waiting: { chunk: LogChunk; size: number }[] = [];
  private inFlight = 0;
  /** Bytes cut but not yet confirmed by `send`. */
  private unconfirmedBytes = 0;
  private failure: { error: unknown } | null = null;
  /** Resolved whenever a send settles, for `flush` and `ready` to look again. */
  private wakers: (() => void)[] = [];

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

  /** Whether output past `maxBytes` was dropped. */
  get wasTruncated(): boolean {
    return this.truncated;
  }

  /**
   * Adds build output; it is sent once the buffer is full or the flush interval has passed. Past
   * `maxBytes` the rest is dropped after one line that says so.
   */
  write(text: string): void {
    if (text === "" || this.truncated) return;
    const size = Buffer.byteLength(text, "utf8");
    if (this.outputBytes + size > this.options.maxBytes) {
      const head = headUtf8(text, this.options.maxBytes - this.outputBytes);
      this.outputBytes = this.options.maxBytes;
      this.truncated = true;
      this.append(head);
      this.append(`${head === "" || head.endsWith("\n") ? "" : "\n"}slipway: log truncated at ${this.options.maxBytes} bytes (SLIPWAY_BUILD_LOG_MAX_BYTES); the build goes on, its further output is not kept\n`);
      return;
    }
    this.outputBytes += size;
    this.append(text);
  }

  /** Adds slipway's own lines (start, verdict): never dropped by the output cap. */
  note(text: string): void {
    this.append(text);
  }

  /** Resolves once buffered plus unconfirmed bytes are under the high-water mark (at once if they are). */
  async ready(): Promise<void> {
    while (!this.failure && this.pendingBytes + this.unconfirmedBytes > this.options.highWaterBytes) {
      // Buffered text alone over the mark: send it now rather than wait for the timer.
      if (this.pendingBytes > 0) this.cut();
      await this.settled();
    }
  }

  /** Sends what is buffered and waits until every chunk so far is sent; throws the first send error. */
  async flush(): Promise<void> {
    this.cut();
    while (!this.failure && (this.waiting.length > 0 || this.inFlight > 0)) await this.settled();
    if (this.failure) throw this.failure.error;
  }

  private append(text: string): void {
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

  private settled(): Promise<void> {
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
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
      const size = Buffer.byteLength(text, "utf8");
      this.waiting.push({ chunk: { seq: this.nextSeq++, offset: this.nextOffset, text }, size });
      this.nextOffset += size;
      this.unconfirmedBytes += size;
    }
    this.pump();
  }

  /** Hands waiting chunks to `send`, in order, keeping at most `window` unconfirmed. */
  private pump(): void {
    while (!this.failure && this.inFlight < this.options.window && this.waiting.length > 0) {
      const { chunk, size } = this.waiting.shift()!;
      this.inFlight++;
      this.send(chunk).then(
        () => {
          this.inFlight--;
          this.unconfirmedBytes -= size;
          this.pump();
          this.wake();
        },
        (error: unknown) => {
          this.inFlight--;
          // After a failed send the rest is dropped: a later chunk must not land past a missing one.
          this.failure ??= { error };
          this.waiting.length = 0;
          this.wake();
        },
      );
    }
  }
}
