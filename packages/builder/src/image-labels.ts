import type { BuildQueued } from "@slipway/events";

/**
 * OCI annotations every image gets (https://github.com/opencontainers/image-spec/blob/main/annotations.md),
 * so `docker inspect` tells which commit, source and build made it.
 */
export function imageLabels(q: BuildQueued, now: Date = new Date()): Record<string, string> {
  return {
    "org.opencontainers.image.revision": q.sha,
    "org.opencontainers.image.source": q.source ?? q.repo.key,
    "org.opencontainers.image.created": now.toISOString(),
    "org.opencontainers.image.version": String(q.buildNumber),
    "dev.slipway.build-id": q.buildId,
    "dev.slipway.dockerfile": q.dockerfile,
  };
}
