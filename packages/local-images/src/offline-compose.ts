import { ensureDockerEngine } from "@slipway/launcher";
import { ensureNatsImage } from "./nats-image.js";
import { ensureNodeGitImage } from "./node-git-image.js";
import { ensureRegistryImage } from "./registry-image.js";
import { writeWorkspaceTar } from "./workspace-tar.js";

/** The variables of deploy/compose.yml that make it build and run with no image pulled. */
export type OfflineComposeEnv = Readonly<{
  BASE_IMAGE: string;
  SLIPWAY_DOCKERFILE: string;
  SLIPWAY_NATS_IMAGE: string;
  SLIPWAY_REGISTRY_IMAGE: string;
}>;

/**
 * Makes what deploy/compose.yml needs from this machine's own files (the NATS, registry and
 * node+git images, the built workspace as a tar) and returns the variables that point compose at
 * them. The workspace must be installed and built (`pnpm install`, `pnpm run build`).
 */
export async function prepareOfflineCompose(): Promise<OfflineComposeEnv> {
  await ensureDockerEngine();
  const [base, nats, registry] = await Promise.all([
    ensureNodeGitImage(),
    ensureNatsImage(),
    ensureRegistryImage(),
    writeWorkspaceTar(),
  ]);
  return Object.freeze({
    BASE_IMAGE: base,
    SLIPWAY_DOCKERFILE: "deploy/Dockerfile.prebuilt",
    SLIPWAY_NATS_IMAGE: nats,
    SLIPWAY_REGISTRY_IMAGE: registry,
  });
}
