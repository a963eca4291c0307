import { ensureDockerEngine } from "@slipway/launcher";

/**
 * Loads testcontainers after setting the defaults this machine needs, which it reads at import:
 * no Ryuk (its image cannot be pulled here) and a fixed host (else it pulls alpine to find one).
 * A caller's own values win.
 */
export async function loadTestcontainers(): Promise<typeof import("testcontainers")> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";
  await ensureDockerEngine();
  return import("testcontainers");
}

/** Never pull: for images built on this machine. */
export const neverPull = { shouldPull: () => false };
