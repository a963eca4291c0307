import { binaryWithLibraries, ensureScratchImage } from "./build-scratch-image.js";
import { findBinary, librariesOf } from "@slipway/launcher";

export const LOCAL_NATS_IMAGE = "slipway-local/nats:2.9";

/**
 * A NATS server image built FROM scratch from this machine's `nats-server` and the libraries it
 * loads, shaped like the official `nats` image (ENTRYPOINT /nats-server, port 4222), so the same
 * command (`-js -sd /data`) works with either.
 */
export function ensureNatsImage(name = LOCAL_NATS_IMAGE): Promise<string> {
  const binary = findBinary("nats-server");
  if (!binary) return Promise.reject(new Error("nats-server not found: apt-get install nats-server"));
  return ensureScratchImage({
    name,
    files: binaryWithLibraries(binary, "/nats-server", librariesOf(binary)),
    dirs: ["/tmp", "/data"],
    instructions: ["EXPOSE 4222 6222 8222", 'ENTRYPOINT ["/nats-server"]', 'CMD ["-js", "-sd", "/data"]'],
  });
}
