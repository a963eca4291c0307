import { hostname } from "node:os";
import { ConfigError, type StreamOptions } from "@slipway/events";
import { parseBackendSetting, type BackendSetting } from "./build-backend.js";
import { bool, int, natsUrl, secret, str, streamOptionsFrom, type Env } from "@slipway/service-kit";

/** Registry credentials for `docker push`; never logged, never in an event. */
export type RegistryCredentials = Readonly<{ username: string; password: string }>;

/** How transient push failures are retried: `retries` more tries, waits doubling from `baseDelayMs`. */
export type PushRetry = Readonly<{ retries: number; baseDelayMs: number; maxDelayMs: number }>;

export type BuilderConfig = Readonly<{
  natsUrl: string;
  /** Limits of the streams, for when this service is the first to create them. */
  streams: StreamOptions;
  /** Builds this process runs at once; it pulls a job only when one of these slots is free. */
  concurrency: number;
  /** The shared consumer's ack wait: a builder that stops heartbeating loses its job after this long. */
  ackWaitMs: number;
  /** Attempts a build may use (graceful hand-backs do not count); then it fails as abandoned. */
  maxAttempts: number;
  /** A build (with its push) running longer is stopped and fails: a hung daemon must not hold a job for ever. */
  buildTimeoutSeconds: number;
  pushRetry: PushRetry;
  /** A build's log stops at this many bytes (one truncation line, the build goes on). */
  logMaxBytes: number;
  /** `--build-arg`s every build gets. */
  buildArgs: Readonly<Record<string, string>>;
  /**
   * Use the image's previous `:<branch>` and `:latest` in the registry as cache sources. `auto`: with
   * BuildKit (which pulls only the cache it uses, and still uses its local cache), not with the
   * classic builder (which would then use nothing but those images, and only if pulled).
   */
  cacheFromPrevious: boolean | "auto";
  /** The engine's builder to use: BuildKit where the engine has it (`auto`), or one of them. */
  backend: BackendSetting;
  /** Who builds, as `BuildStarted.builder` tells operators: host and pid. */
  builderName: string;
  /** Null: push without credentials (the seed's local registry). */
  registry: RegistryCredentials | null;
}>;

/** Cores of a small machine keep 2 builds busy: one builds while the other pushes (see the README's burst benchmark). */
export const DEFAULT_CONCURRENCY = 2;

/**
 * `KEY=VALUE` pairs separated by commas or newlines (`SLIPWAY_BUILD_ARGS=HTTP_PROXY=http://p:3128,CI=1`).
 * Values may hold `=`; a key must be a shell-style name, as Docker's `--build-arg` expects.
 */
export function parseBuildArgs(raw: string): Record<string, string> {
  const args: Record<string, string> = {};
  for (const item of raw.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new ConfigError(`SLIPWAY_BUILD_ARGS: ${JSON.stringify(key)} is not a valid build-arg name`);
    args[key] = eq < 0 ? "" : item.slice(eq + 1);
  }
  return args;
}

/**
 * Reads the builder's settings. The Docker engine is found by dockerode itself (`DOCKER_HOST`,
 * else the local socket), so that variable means the same here as for the docker CLI.
 */
export function loadConfig(env: Env = process.env): BuilderConfig {
  const username = str(env, "SLIPWAY_REGISTRY_USER", "");
  const password = secret(env, "SLIPWAY_REGISTRY_PASSWORD");
  if (username && !password) throw new ConfigError("SLIPWAY_REGISTRY_USER is set without SLIPWAY_REGISTRY_PASSWORD (or _FILE)");
  if (!username && password) throw new ConfigError("SLIPWAY_REGISTRY_PASSWORD is set without SLIPWAY_REGISTRY_USER");
  return Object.freeze({
    natsUrl: natsUrl(env),
    streams: streamOptionsFrom(env),
    concurrency: int(env, "SLIPWAY_BUILD_CONCURRENCY", DEFAULT_CONCURRENCY, { min: 1, max: 64 }),
    // At most 30 s: a dead builder's job must move on quickly; heartbeats (every third of it) keep live builds.
    ackWaitMs: int(env, "SLIPWAY_BUILD_ACK_WAIT_SECONDS", 15, { min: 1, max: 30 }) * 1000,
    maxAttempts: int(env, "SLIPWAY_BUILD_MAX_ATTEMPTS", 3, { min: 1, max: 20 }),
    buildTimeoutSeconds: int(env, "SLIPWAY_BUILD_TIMEOUT_SECONDS", 3600, { min: 1, max: 24 * 3600 }),
    pushRetry: Object.freeze({
      retries: int(env, "SLIPWAY_PUSH_RETRIES", 5, { min: 0, max: 50 }),
      baseDelayMs: int(env, "SLIPWAY_PUSH_RETRY_DELAY_MS", 500, { min: 1, max: 60_000 }),
      maxDelayMs: 30_000,
    }),
    logMaxBytes: int(env, "SLIPWAY_BUILD_LOG_MAX_BYTES", 100 * 1024 * 1024, { min: 1024 }),
    buildArgs: Object.freeze(parseBuildArgs(str(env, "SLIPWAY_BUILD_ARGS", ""))),
    cacheFromPrevious: str(env, "SLIPWAY_BUILD_CACHE_FROM_PREVIOUS", "auto") === "auto" ? "auto" : bool(env, "SLIPWAY_BUILD_CACHE_FROM_PREVIOUS", false),
    backend: parseBackendSetting(str(env, "SLIPWAY_BUILDER_BACKEND", "auto")),
    builderName: `${hostname()}:${process.pid}`,
    registry: username && password ? Object.freeze({ username, password }) : null,
  });
}

/** The config as it may be logged: the password and build-arg values (they may hold tokens) never leave this function. */
export function describeConfig(config: BuilderConfig): object {
  return {
    natsUrl: config.natsUrl,
    concurrency: config.concurrency,
    ackWaitMs: config.ackWaitMs,
    maxAttempts: config.maxAttempts,
    buildTimeoutSeconds: config.buildTimeoutSeconds,
    pushRetry: config.pushRetry,
    logMaxBytes: config.logMaxBytes,
    buildArgs: Object.keys(config.buildArgs),
    cacheFromPrevious: config.cacheFromPrevious,
    backend: config.backend,
    builderName: config.builderName,
    registryUser: config.registry?.username ?? null,
  };
}
