import { existsSync } from "node:fs";
import { ensureScratchImage } from "./build-scratch-image.js";
import { findBinary } from "@slipway/launcher";

export const LOCAL_BUSYBOX_IMAGE = "slipway-local/busybox:latest";

/**
 * A tiny image with a shell, built FROM scratch with Debian's static busybox (package
 * busybox-static): `RUN` steps work in it, so builds can be tested with no pull.
 */
export function ensureBusyboxImage(name = LOCAL_BUSYBOX_IMAGE): Promise<string> {
  const busybox = existsSync("/bin/busybox") ? "/bin/busybox" : findBinary("busybox");
  if (!busybox) return Promise.reject(new Error("busybox not found: apt-get install busybox-static"));
  return ensureScratchImage({
    name,
    files: { "/bin/busybox": busybox },
    dirs: ["/tmp"],
    instructions: ['RUN ["/bin/busybox", "--install", "-s", "/bin"]', 'CMD ["/bin/sh"]'],
  });
}
