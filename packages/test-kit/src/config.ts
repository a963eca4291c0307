import { str, type Env } from "@slipway/service-kit";
import { LOCAL_NATS_IMAGE } from "@slipway/local-images";
import { LOCAL_REGISTRY_IMAGE } from "@slipway/local-images";

/**
 * Images of the test harness. The defaults are built on this machine (no pulls here); a developer
 * with internet sets e.g. SLIPWAY_TEST_NATS_IMAGE=nats:2.10 and SLIPWAY_TEST_REGISTRY_IMAGE=registry:2.
 */
export type HarnessConfig = Readonly<{
  natsImage: string;
  registryImage: string;
  /** Null: build the local busybox image. */
  baseImage: string | null;
}>;

export function harnessConfig(env: Env = process.env): HarnessConfig {
  return Object.freeze({
    natsImage: str(env, "SLIPWAY_TEST_NATS_IMAGE", LOCAL_NATS_IMAGE),
    registryImage: str(env, "SLIPWAY_TEST_REGISTRY_IMAGE", LOCAL_REGISTRY_IMAGE),
    baseImage: str(env, "SLIPWAY_TEST_BASE_IMAGE", "") || null,
  });
}
