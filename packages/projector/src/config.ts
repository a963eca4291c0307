import { resolve } from "node:path";
import type { StreamOptions } from "@slipway/events";
import { int, natsUrl, port, str, streamOptionsFrom, type Env } from "@slipway/service-kit";

/** The projector's settings, read once from the environment. */
export type ProjectorConfig = Readonly<{
  natsUrl: string;
  /** Limits of the streams, for when this service is the first to create them. */
  streams: StreamOptions;
  host: string;
  port: number;
  /** Where the read-model snapshot lives (absolute). */
  dataDir: string;
  /** Where `<buildId>.log` files are written (absolute). */
  logsDir: string;
  /** Longest wait before applied events are persisted and acked. */
  flushIntervalMs: number;
  /** Persist at once when this many messages wait. */
  flushMaxMessages: number;
}>;

/** Throws ConfigError naming the variable at fault. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): ProjectorConfig {
  return Object.freeze({
    natsUrl: natsUrl(env),
    streams: streamOptionsFrom(env),
    host: str(env, "SLIPWAY_PROJECTOR_HOST", "0.0.0.0"),
    port: port(env, "SLIPWAY_PROJECTOR_PORT", 5000),
    dataDir: resolve(cwd, str(env, "SLIPWAY_PROJECTOR_DATA", ".slipway/projector")),
    logsDir: resolve(cwd, str(env, "SLIPWAY_LOGS_DIR", "logs")),
    flushIntervalMs: int(env, "SLIPWAY_PROJECTOR_FLUSH_MS", 100, { min: 1, max: 60_000 }),
    // Stays below the durable's max_ack_pending (PROJECTOR_MAX_ACK_PENDING).
    flushMaxMessages: int(env, "SLIPWAY_PROJECTOR_FLUSH_MAX", 2000, { min: 1, max: 9000 }),
  });
}
