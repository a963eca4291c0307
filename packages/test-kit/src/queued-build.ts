import { randomBytes } from "node:crypto";
import type { BuildQueued } from "@slipway/events";

/** A BuildQueued as git-sync would send it, for one Dockerfile of a fresh commit; `fields` override. */
export function queuedBuild(buildId: string, fields: Partial<BuildQueued> & Pick<BuildQueued, "image" | "contextObject">): BuildQueued {
  const sha = fields.sha ?? randomBytes(20).toString("hex");
  return {
    buildId,
    deliveryId: `delivery-${buildId}`,
    repo: { key: "fruty/docker-ci", name: "docker-ci", owner: "fruty" },
    sha,
    branch: "master",
    dockerfile: "Dockerfile",
    tags: [sha, "1", "master", "latest"],
    buildNumber: 1,
    ...fields,
  };
}
