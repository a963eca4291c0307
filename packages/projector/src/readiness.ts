/** How far one durable of the projector is behind its stream. */
export type DurableLag = {
  durable: string;
  stream: string;
  /** Messages the server has not delivered yet (`num_pending`). */
  pending: number;
  /** Delivered and not acked yet (`num_ack_pending`): in hand, or applied and waiting for a save. */
  ackPending: number;
  /** The stream's last sequence. */
  lastSeq: number;
  /** Where the projector stands: the read model's checkpoint (events), the durable's ack floor (logs). */
  checkpoint: number;
  /** `lastSeq - checkpoint`, at least 0. */
  behind: number;
};

/** The projector's two durables. */
export type Lag = { events: DurableLag; logs: DurableLag };

/** What `GET /readyz` answers: 200 when `ready`, else 503. */
export type Readiness =
  | { status: "ready" | "lagging"; maxLag: number; lag: Lag }
  | { status: "unavailable"; maxLag: number; message: string };

/** The durable's count that readiness compares with the threshold. */
export const unfinished = (d: DurableLag): number => d.pending + d.ackPending;

/**
 * Ready when each durable has at most `maxLag` messages not yet handled (pending or unacked):
 * the view then answers with what the streams hold, give or take a moment.
 */
export function judgeLag(lag: Lag, maxLag: number): Readiness {
  const ready = unfinished(lag.events) <= maxLag && unfinished(lag.logs) <= maxLag;
  return { status: ready ? "ready" : "lagging", maxLag, lag };
}
