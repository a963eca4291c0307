import type { IgnoreReason } from "@slipway/events";
import type { IngressConfig } from "./config.js";
import type { ParsedPush } from "./push-payload.js";

export type Ignored = { reason: IgnoreReason; message: string };

/** Markers in the head commit's message that ask for no build (case does not matter). */
const SKIP_MARKERS = ["[skip ci]", "[ci skip]", "[no ci]"];

/**
 * Why a valid push builds nothing, or null when it builds. Every answer is a 202 with this message
 * and a `WebhookIgnored` event, so a user can see why nothing ran.
 */
export function whyIgnored(push: ParsedPush, config: Pick<IngressConfig, "branches" | "buildTags" | "tags">): Ignored | null {
  const { ref, branch } = push.data;
  if (push.deleted) return { reason: "deleted", message: `${ref} was deleted: nothing to build` };
  if (branch !== null && !config.branches.matches(branch)) {
    return { reason: "branch-filtered", message: `branch ${branch} matches no glob of SLIPWAY_BRANCHES (${config.branches.source}): not built` };
  }
  if (ref.startsWith("refs/tags/")) {
    const tag = ref.slice("refs/tags/".length);
    if (!config.buildTags) return { reason: "tag-filtered", message: `tag ${tag}: tags are not built (SLIPWAY_BUILD_TAGS=false)` };
    if (!config.tags.matches(tag)) return { reason: "tag-filtered", message: `tag ${tag} matches no glob of SLIPWAY_TAGS (${config.tags.source}): not built` };
  }
  const message = push.headMessage?.toLowerCase() ?? "";
  const marker = SKIP_MARKERS.find((m) => message.includes(m));
  if (marker) return { reason: "skip-ci", message: `the head commit's message says ${marker}: not built` };
  return null;
}
