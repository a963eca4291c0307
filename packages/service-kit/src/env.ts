import { readFileSync } from "node:fs";
import { ConfigError } from "@slipway/events";

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

export function port(env: Env, name: string, fallback: number): number {
  return int(env, name, fallback, { min: 0, max: 65535 });
}

/**
 * A secret from `NAME` or from the file named by `NAME_FILE` (Docker/Kubernetes secrets), with the
 * trailing newline trimmed. Both set is an error: which one wins would be a guess.
 */
export function secret(env: Env, name: string): string | null {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct && file) throw new ConfigError(`set ${name} or ${name}_FILE, not both`);
  if (file) {
    try {
      return readFileSync(file, "utf8").replace(/\r?\n$/, "") || null;
    } catch (cause) {
      throw new ConfigError(`${name}_FILE=${file}: cannot read (${(cause as Error).message})`);
    }
  }
  return direct || null;
}

/** The NATS server address every service shares. */
export function natsUrl(env: Env): string {
  return str(env, "SLIPWAY_NATS_URL", "nats://127.0.0.1:4222");
}
