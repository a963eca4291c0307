import { connect, type NatsConnection } from "@nats-io/transport-node";
import { UsageError } from "./errors.js";

/** How long a first connection may take: a CLI says "not there" rather than waiting as services do. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Connects once, failing fast with a usage error (exit 2) that says what to set; once
 * connected, the client reconnects by itself (`watch` outlives a NATS restart).
 */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  const servers = url.split(",").map((s) => s.trim());
  try {
    return await connect({ servers, name, timeout: CONNECT_TIMEOUT_MS, maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
  } catch (err) {
    throw new UsageError(`cannot reach NATS at ${url} (${(err as Error).message}): is slipway running (npm start)? Otherwise set SLIPWAY_NATS_URL or pass --nats`, { cause: err });
  }
}

/** Why `subject` is no NATS subject filter (null when it is one): tokens, `*` as a whole token, `>` last. */
export function subjectProblem(subject: string): string | null {
  if (subject === "" || /\s/.test(subject)) return "a subject has no spaces and is not empty";
  const tokens = subject.split(".");
  for (const [i, token] of tokens.entries()) {
    if (token === "") return "a subject has no empty tokens (no leading, trailing or double dots)";
    if (token.includes(">") && (token !== ">" || i !== tokens.length - 1)) return "'>' is a whole token, and the last one";
    if (token.includes("*") && token !== "*") return "'*' is a whole token";
  }
  return null;
}
