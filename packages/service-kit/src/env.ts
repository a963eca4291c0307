import { readFileSync } from "node:fs";
import { ConfigError, defaultStreamOptions, type StreamOptions } from "@slipway/events";

/** Reads env values for one service's config; every problem names the variable. */
export type Env = Record<string, string | undefined>;

export function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === "" ? fallback : v;
}

export function int(env: Env, name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
  }
  return n;
}

/** `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`); anything else names the variable. */
export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name, fallback ? "true" : "false").toLowerCase();
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(`${name}=${JSON.stringify(raw)}: expected true or false`);
}

export function port(env: Env, name: string, fallback: number): number {
  return int(env, name, fallback, { min: 0, max: 65535 });
}

/**
 * A secret from `NAME` or from the file named by `NAME_FILE` (Docker/Kubernetes secrets), with the
 * trailing newline trimmed. Both set is an error: which one wins would be a guess. A file that is
 * empty or unreadable stops the start: a secret mounted before it was filled must not quietly
 * turn a check off.
 */
export function secret(env: Env, name: string): string | null {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct && file) throw new ConfigError(`set ${name} or ${name}_FILE, not both`);
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (cause) {
      throw new ConfigError(`${name}_FILE=${file}: cannot read (${(cause as Error).message})`);
    }
    const value = text.replace(/\r?\n$/, "");
    if (value.trim() === "") throw new ConfigError(`${name}_FILE=${file}: the file is empty; put the secret in it, or unset ${name}_FILE`);
    return value;
  }
  return direct || null;
}

/**
 * Several secrets at once, one per line of `NAME` or `NAME_FILE` (rotation: add the new one, switch
 * the sender, remove the old one). Blank lines are skipped; [] = none configured.
 */
export function secretList(env: Env, name: string): string[] {
  const value = secret(env, name);
  if (value === null) return [];
  return value.split(/\r?\n/).filter((line) => line.trim() !== "");
}

/** The NATS server address every service shares. */
export function natsUrl(env: Env): string {
  return str(env, "SLIPWAY_NATS_URL", "nats://127.0.0.1:4222");
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** `SLIPWAY_LOG_LEVEL`, read before the rest of the config so that config errors can be logged. */
export function logLevel(env: Env = process.env): string {
  const level = str(env, "SLIPWAY_LOG_LEVEL", "info");
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`SLIPWAY_LOG_LEVEL=${JSON.stringify(level)}: expected one of ${LOG_LEVELS.join(", ")}`);
  return level;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Limits of the streams and the contexts bucket, applied when they are first created (every
 * service may create them, so every service reads the same variables). 0 = unlimited.
 */
export function streamOptionsFrom(env: Env): StreamOptions {
  const d = defaultStreamOptions();
  const days = (name: string, fallbackMs: number) => int(env, name, Math.round(fallbackMs / DAY_MS), { min: 0, max: 36500 }) * DAY_MS;
  const bytes = (name: string, fallback: number) => {
    const n = int(env, name, Math.max(fallback, 0), { min: 0 });
    return n === 0 ? -1 : n;
  };
  return {
    ...d,
    eventsMaxAgeMs: days("SLIPWAY_EVENTS_MAX_AGE_DAYS", d.eventsMaxAgeMs),
    eventsMaxBytes: bytes("SLIPWAY_EVENTS_MAX_BYTES", d.eventsMaxBytes),
    logsMaxAgeMs: days("SLIPWAY_LOGS_MAX_AGE_DAYS", d.logsMaxAgeMs),
    logsMaxBytes: bytes("SLIPWAY_LOGS_MAX_BYTES", d.logsMaxBytes),
    contextsTtlMs: days("SLIPWAY_CONTEXTS_TTL_DAYS", d.contextsTtlMs),
    // JetStream allows at most 5 copies; more than the cluster's servers fails at creation, loudly.
    replicas: int(env, "SLIPWAY_STREAM_REPLICAS", d.replicas, { min: 1, max: 5 }),
  };
}
