import { hostname } from "node:os";
import { ConfigError, type StreamOptions } from "@slipway/events";
import { int, natsUrl, secret, str, streamOptionsFrom, type Env } from "@slipway/service-kit";

/** Registry credentials for `docker push`; never logged, never in an event. */
export type RegistryCredentials = Readonly<{ username: string; password: string }>;

export type BuilderConfig = Readonly<{
  natsUrl: string;
  /** Limits of the streams, for when this service is the first to create them. */
  streams: StreamOptions;
  /** A build (with its push) running longer is stopped and fails: a hung daemon must not hold a job for ever. */
  buildTimeoutSeconds: number;
  /** Who builds, as `BuildStarted.builder` tells operators: host and pid. */
  builderName: string;
  /** Null: push without credentials (the seed's local registry). */
  registry: RegistryCredentials | null;
}>;

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
    buildTimeoutSeconds: int(env, "SLIPWAY_BUILD_TIMEOUT_SECONDS", 3600, { min: 1, max: 24 * 3600 }),
    builderName: `${hostname()}:${process.pid}`,
    registry: username && password ? Object.freeze({ username, password }) : null,
  });
}

/** The config as it may be logged: the password never leaves this function. */
export function describeConfig(config: BuilderConfig): object {
  return { natsUrl: config.natsUrl, buildTimeoutSeconds: config.buildTimeoutSeconds, builderName: config.builderName, registryUser: config.registry?.username ?? null };
}
