import { parentPort, workerData } from "node:worker_threads";
import { decodeEvent, type Event } from "@slipway/events";
import type { LoadReply, LoadRequest, LoadWorkerData, PackedMessages } from "./bulk-load-protocol.js";
import { ProjectionState } from "./projection-state.js";

/**
 * The writer of a view being rebuilt (bulk-loader.ts): a thread of its own that decodes the
 * messages the main thread read and folds them into a new view file, so reading the stream runs
 * beside decoding, folding and SQLite's writes. After a failure every later request is answered with it.
 */

const { path, streamCreated } = workerData as LoadWorkerData;
const port = parentPort!;
const state = ProjectionState.open(path, streamCreated, { bulk: true });
let failure: string | null = null;

function fold(m: PackedMessages): void {
  let start = 0;
  for (let i = 0; i < m.seqs.length; i++) {
    const end = m.ends[i]!;
    const data = m.data.subarray(start, end);
    state.apply(decodeOrNull(data), m.seqs[i]!, data);
    start = end;
  }
}

/** The message's event, or null when it is none (it then only moves the position, as in the live projection). */
function decodeOrNull(data: Uint8Array): Event | null {
  try {
    return decodeEvent(data);
  } catch {
    return null;
  }
}

/** Whether the file is finished: the thread then ends on its own, once its reply is sent. */
let finished = false;

function handle(req: LoadRequest): void {
  switch (req.type) {
    case "batch":
      fold(req.messages);
      return;
    case "commit":
      state.commit();
      return;
    case "finish":
      state.finishBulkLoad();
      state.close();
      finished = true;
      return;
    default: {
      const _exhaustive: never = req;
      return _exhaustive;
    }
  }
}

port.on("message", (req: LoadRequest) => {
  if (failure === null) {
    try {
      handle(req);
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
  }
  port.postMessage((failure === null ? { type: "ok" } : { type: "failed", message: failure }) satisfies LoadReply);
  // Nothing left to do: closing the port lets the thread exit normally (its exit handlers run).
  if (finished) port.close();
});
