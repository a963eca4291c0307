import { parentPort, workerData } from "node:worker_threads";
import type { Event } from "@slipway/events";
import type { LoadReply, LoadRequest, LoadWorkerData, PackedMessages } from "./bulk-load-protocol.js";
import { ProjectionState } from "./projection-state.js";

/**
 * The writer of a view being rebuilt (bulk-loader.ts): a thread of its own that folds the
 * messages the main thread read and checked into a new view file, so reading and decoding run
 * beside folding and SQLite's writes. After a failure every later request is answered with it.
 */

const { path, streamCreated } = workerData as LoadWorkerData;
const port = parentPort!;
const state = ProjectionState.open(path, streamCreated, { bulk: true });
const text = new TextDecoder();
let failure: string | null = null;

function fold(m: PackedMessages): void {
  let start = 0;
  for (let i = 0; i < m.seqs.length; i++) {
    const end = m.ends[i]!;
    const data = m.data.subarray(start, end);
    // The same bytes `decodeEvent` accepted on the reading side: parsing them again gives that event.
    const event = m.valid[i] === 1 ? (JSON.parse(text.decode(data)) as Event) : null;
    state.apply(event, m.seqs[i]!, data);
    start = end;
  }
}

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
});
