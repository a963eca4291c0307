import { Type, type Static } from "@sinclair/typebox";
import { BuildId } from "./common.js";

/**
 * A piece of a build's output. `offset` is the byte position of `text` in the attempt's log, so a
 * writer can place a redelivered chunk where it belongs instead of appending it twice.
 */
export const BuildLogChunk = Type.Object({
  buildId: BuildId,
  attempt: Type.Integer({ minimum: 1 }),
  seq: Type.Integer({ minimum: 0 }),
  offset: Type.Integer({ minimum: 0 }),
  text: Type.String(),
});
export type BuildLogChunk = Static<typeof BuildLogChunk>;
