import type { BuildSummary } from "@slipway/projector";
import { statusColor, type Palette } from "./color.js";
import { table } from "./table.js";
import { duration, relativeTime } from "./time.js";

const HEADER = ["ID", "STATUS", "REPO", "BRANCH", "SHA", "DOCKERFILE -> IMAGE", "DURATION", "QUEUED"];

/** How long a build took, or has been running so far ("1 min 05 s+"); "-" before it starts. */
function took(b: BuildSummary, nowMs: number): string {
  if (b.durationMs !== null) return duration(b.durationMs);
  if (b.status === "running" && b.startedAt !== null) return `${duration(nowMs - Date.parse(b.startedAt))}+`;
  return "-";
}

/** `GET /builds` for people: one aligned row per build, newest first as the API sends them. */
export function buildTable(builds: readonly BuildSummary[], nowMs: number, p: Palette): string {
  const rows = builds.map((b) => [
    b.id,
    statusColor(p, b.status),
    b.repo || "?",
    b.branch ?? p.dim("-"),
    b.sha ? b.sha.slice(0, 7) : "-",
    `${b.dockerfile || "?"} -> ${b.image || "?"}`,
    took(b, nowMs),
    relativeTime(b.queuedAt, nowMs),
  ]);
  return table(HEADER, rows);
}
