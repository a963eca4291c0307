import { existsSync } from "node:fs";
import { binaryWithLibraries, ensureScratchImage } from "./build-scratch-image.js";
import { findBinary, librariesOf } from "@slipway/launcher";

export const LOCAL_REGISTRY_IMAGE = "slipway-local/registry:2";

/** The official `registry:2` image's config: port 5000, filesystem storage, no auth. */
export const REGISTRY_CONFIG = `version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
`;

/**
 * A registry image built FROM scratch from Debian's `docker-registry` (distribution 2.8), laid out
 * like `registry:2`: binary /bin/registry, config /etc/docker/registry/config.yml, port 5000,
 * data in /var/lib/registry. Static busybox is added when present, so that a healthcheck such as
 * compose's `wget -q -O /dev/null http://127.0.0.1:5000/v2/` works as with the official image.
 */
export function ensureRegistryImage(name = LOCAL_REGISTRY_IMAGE): Promise<string> {
  const binary = findBinary("docker-registry") ?? findBinary("registry");
  if (!binary) return Promise.reject(new Error("docker-registry not found: apt-get install docker-registry"));
  const busybox = existsSync("/bin/busybox") ? "/bin/busybox" : findBinary("busybox");
  const files = binaryWithLibraries(binary, "/bin/registry", librariesOf(binary));
  if (busybox) files["/bin/busybox"] = busybox;
  return ensureScratchImage({
    name,
    files,
    texts: { "/etc/docker/registry/config.yml": REGISTRY_CONFIG },
    dirs: ["/tmp", "/var/lib/registry"],
    instructions: [
      ...(busybox ? ['RUN ["/bin/busybox", "--install", "-s", "/bin"]'] : []),
      "EXPOSE 5000",
      'VOLUME ["/var/lib/registry"]',
      'ENTRYPOINT ["/bin/registry"]',
      'CMD ["serve", "/etc/docker/registry/config.yml"]',
    ],
  });
}
