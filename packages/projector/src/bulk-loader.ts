import { Worker } from "node:worker_threads";
import type { LoadReply, LoadRequest, LoadWorkerData, PackedMessages } from "./bulk-load-protocol.js";
import type { ReplayTarget } from "./replay.js";

/** Messages per batch sent to the writer. */
const BATCH_MESSAGES = 2000;
/** Requests the writer may have queued before the reading side waits for it. */
const MAX_IN_FLIGHT = 4;
/** How long a finished writer may take to end on its own before it is stopped. */
const EXIT_WAIT_MS = 5000;

/**
 * Starts the writer thread. Built, it is a module of its own; run from source (the tests' loader),
 * the thread must register that loader before it can import TypeScript, which it does not inherit.
 */
function startWriter(workerData: LoadWorkerData): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./bulk-load-worker.js", import.meta.url), { workerData });
  const loader = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const source = JSON.stringify(new URL("./bulk-load-worker.ts", import.meta.url).href);
  return new Worker(`import(${loader}).then((tsx) => { tsx.register(); return import(${source}); })`, { eval: true, workerData });
}

/**
 * Rebuilds a view into a new file on two threads: this one reads the stream (the caller), a
 * worker (bulk-load-worker.ts) decodes each message, folds it into a bulk-loading ProjectionState
 * and writes SQLite. Messages go over in batches whose bytes are moved, not copied, and at most
 * MAX_IN_FLIGHT requests wait at the worker, so memory stays bounded when it is the slower side.
 * (Decoding on this side too, to send only checked events, cost a fifth more CPU in all: on two
 * cores shared with nats-server, that made the whole replay slower.)
 */
export class BulkViewLoader implements ReplayTarget {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private readonly waiting: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private readonly inFlight: Promise<void>[] = [];
  private failure: Error | null = null;
  private batch = new BatchPacker();
  private applied = 0;

  /** Starts the writer on a new view file at `path` (none may exist there). */
  constructor(path: string, streamCreated: string | null) {
    this.worker = startWriter({ path, streamCreated });
    this.worker.on("message", (reply: LoadReply) => {
      const waiter = this.waiting.shift();
      if (reply.type === "ok") return waiter?.resolve();
      this.fail(new Error(`rebuilding the view failed: ${reply.message}`));
      waiter?.reject(this.failure!);
    });
    this.worker.on("error", (err) => this.fail(err));
    this.worker.on("exit", (code) => this.fail(new Error(`the rebuilt view's writer stopped (exit code ${code})`)));
    this.exited = new Promise((resolve) => this.worker.once("exit", () => resolve()));
  }

  checkpoint(): number {
    return this.applied;
  }

  /** Takes one message as it came from the stream; a promise when the writer is behind. */
  apply(seq: number, data: Uint8Array): Promise<void> | undefined {
    if (this.failure !== null) throw this.failure;
    if (seq <= this.applied) throw new RangeError(`sequence ${seq} is not after the checkpoint ${this.applied}`);
    this.batch.add(seq, data);
    this.applied = seq;
    return this.batch.count >= BATCH_MESSAGES ? this.flush() : undefined;
  }

  /** Makes what was taken one commit in the file (done in the background; `finish` waits for it). */
  commit(): Promise<void> | undefined {
    const flushed = this.flush();
    const committed = this.request({ type: "commit" });
    if (flushed && committed) return Promise.all([flushed, committed]).then(() => undefined);
    return flushed ?? committed;
  }

  /** Folds the rest, builds the indexes and closes the file; the view is then ready to open. */
  async finish(): Promise<void> {
    await this.commit();
    const finished = this.send({ type: "finish" });
    await Promise.all([...this.inFlight.splice(0), finished]);
    // The writer ends on its own once finished; stopping it instead would skip its exit handlers.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, EXIT_WAIT_MS)))]);
    clearTimeout(timer);
    await this.close();
  }

  /** Stops the writer (a file it did not finish is left as it is: the caller removes it). */
  async close(): Promise<void> {
    this.worker.removeAllListeners("exit");
    await this.worker.terminate();
    this.fail(new Error("the rebuilt view's writer was stopped"));
  }

  private flush(): Promise<void> | undefined {
    if (this.batch.count === 0) return undefined;
    const { messages, buffers } = this.batch.take();
    return this.request({ type: "batch", messages }, buffers);
  }

  /** Sends a request whose reply is awaited later; a promise when too many wait at the writer. */
  private request(req: LoadRequest, transfer: ArrayBuffer[] = []): Promise<void> | undefined {
    this.inFlight.push(this.send(req, transfer));
    if (this.inFlight.length <= MAX_IN_FLIGHT) return undefined;
    return this.inFlight.shift();
  }

  private send(req: LoadRequest, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const reply = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    // A failure may settle replies nobody awaits yet: not an unhandled rejection.
    reply.catch(() => undefined);
    this.worker.postMessage(req, transfer);
    return reply;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }
}

/** Bytes a batch's data buffer starts with (messages here are ~0.5 KB); it doubles when full. */
const INITIAL_BATCH_BYTES = 2 ** 20;

/**
 * Packs messages as they come into a batch of parallel arrays, their bytes back to back: each
 * message is copied once, and nothing of it is kept (no object per message).
 */
class BatchPacker {
  count = 0;
  private bytes = 0;
  private seqs = new Float64Array(BATCH_MESSAGES);
  private ends = new Uint32Array(BATCH_MESSAGES);
  private data = new Uint8Array(INITIAL_BATCH_BYTES);

  add(seq: number, data: Uint8Array): void {
    const end = this.bytes + data.byteLength;
    if (end > this.data.byteLength) {
      const grown = new Uint8Array(Math.max(end, this.data.byteLength * 2));
      grown.set(this.data.subarray(0, this.bytes));
      this.data = grown;
    }
    this.data.set(data, this.bytes);
    this.seqs[this.count] = seq;
    this.ends[this.count] = end;
    this.bytes = end;
    this.count++;
  }

  /** The batch so far, with the buffers to transfer; the packer starts a new one. */
  take(): { messages: PackedMessages; buffers: ArrayBuffer[] } {
    const messages: PackedMessages = {
      seqs: new Float64Array(this.seqs.buffer, 0, this.count),
      data: new Uint8Array(this.data.buffer, 0, this.bytes),
      ends: new Uint32Array(this.ends.buffer, 0, this.count),
    };
    const buffers = [this.seqs.buffer, this.data.buffer, this.ends.buffer] as ArrayBuffer[];
    this.seqs = new Float64Array(BATCH_MESSAGES);
    this.ends = new Uint32Array(BATCH_MESSAGES);
    this.data = new Uint8Array(this.data.byteLength);
    this.count = 0;
    this.bytes = 0;
    return { messages, buffers };
  }
}
