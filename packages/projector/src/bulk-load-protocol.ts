/**
 * What a replay's reading side (bulk-loader.ts, main thread) and the rebuilt view's writer
 * (bulk-load-worker.ts) say to each other. Every request gets exactly one reply, in order.
 */

/** A batch of stream messages, packed for a transfer: parallel arrays, their bytes back to back. */
export type PackedMessages = {
  seqs: Float64Array;
  data: Uint8Array;
  /** End offset of each message's bytes in `data`. */
  ends: Uint32Array;
};

export type LoadRequest =
  /** Messages to fold in, in stream order. */
  | { type: "batch"; messages: PackedMessages }
  /** Makes everything folded so far one commit, with its checkpoint. */
  | { type: "commit" }
  /** Commits, builds the indexes and closes the file. */
  | { type: "finish" };

export type LoadReply = { type: "ok" } | { type: "failed"; message: string };

export type LoadWorkerData = { path: string; streamCreated: string | null };
