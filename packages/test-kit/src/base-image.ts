import { ensureBusyboxImage } from "@slipway/local-images";
import { ensureDockerEngine } from "@slipway/launcher";
import { harnessConfig } from "./config.js";

/**
 * An image name usable in `FROM` that has a busybox shell (`RUN` works): SLIPWAY_TEST_BASE_IMAGE
 * if set, else slipway-local/busybox:latest, built once on this machine.
 */
export async function ensureBaseImage(): Promise<string> {
  const configured = harnessConfig().baseImage;
  if (configured) return configured;
  await ensureDockerEngine();
  return ensureBusyboxImage();
}
