import type { Event } from "@slipway/events";
import type { Palette } from "./color.js";

/** The three events that end a build. */
export type Verdict = Event<"ImagePushed" | "BuildFailed" | "BuildCancelled">;

export function isVerdict(e: Event): e is Verdict {
  return e.type === "ImagePushed" || e.type === "BuildFailed" || e.type === "BuildCancelled";
}

/** Commit ids among tags are long and already in the build: their first 7 characters say enough. */
export const shortTag = (tag: string) => (/^[0-9a-f]{40}$/.test(tag) ? tag.slice(0, 7) : tag);

/** One line that says how a build ended, for the end of `logs -f`. */
export function verdictLine(v: Verdict, p: Palette): string {
  const id = v.data.buildId;
  switch (v.type) {
    case "ImagePushed":
      return `build ${id} ${p.green("pushed")} ${v.data.image} (${v.data.tags.map(shortTag).join(", ")}) ${v.data.digest.slice(0, 19)}`;
    case "BuildFailed":
      return `build ${id} ${p.red("failed")} at ${v.data.stage} (${v.data.code}): ${v.data.message}`;
    case "BuildCancelled": {
      const by = v.data.requestedBy ? ` by ${v.data.requestedBy}` : "";
      return `build ${id} ${p.yellow("cancelled")}${by}${v.data.reason ? `: ${v.data.reason}` : ""}`;
    }
    default: {
      const _exhaustive: never = v;
      return String(_exhaustive);
    }
  }
}
