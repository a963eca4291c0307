/**
 * Where a delivered message stands against the projection, and what to do with it.
 *
 * The read model is a fold in stream order, so only the message right after the checkpoint may
 * be applied. Messages can arrive out of order: one in flight during a reconnect is lost and
 * comes back only after the ack wait, while later ones are delivered. Applying a later one would
 * move the checkpoint past the lost one, which would then look like a redelivery and be acked
 * without ever being applied. So a gap is looked up in the stream first: if the missing
 * sequences are gone (deleted by limits or by an operator), it is real and skipped; if any is
 * still stored, the message is left unacked and the durable is put back at checkpoint + 1.
 */
export const Decision = {
  /** At or below the saved checkpoint: a redelivery of something saved; ack it. */
  ack: "ack",
  /** Applied, not yet saved: a redelivery; ack it with the batch that saves it. */
  hold: "hold",
  /** The next message in the stream (or the next after a real gap): apply it. */
  apply: "apply",
  /** Sequences are missing before it: look up whether the stream still has them. */
  lookup: "lookup",
  /** A missing sequence is still stored: do not apply or ack; restart delivery after the checkpoint. */
  reposition: "reposition",
} as const;
export type Decision = (typeof Decision)[keyof typeof Decision];

/** How far the projection is: applied in memory, and saved on disk (persisted <= checkpoint). */
export type Position = { checkpoint: number; persisted: number };

/**
 * The decision for message `seq`. `gapStored` is the answer of the lookup, once made: whether
 * any sequence in `checkpoint + 1 .. seq - 1` is still in the stream.
 */
export function decide(seq: number, position: Position, gapStored?: boolean): Decision {
  if (seq <= position.persisted) return Decision.ack;
  if (seq <= position.checkpoint) return Decision.hold;
  if (seq === position.checkpoint + 1) return Decision.apply;
  if (gapStored === undefined) return Decision.lookup;
  return gapStored ? Decision.reposition : Decision.apply;
}
