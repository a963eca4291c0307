import type { Event } from "@slipway/events";
import type { Palette } from "./color.js";
import { bytes } from "./numbers.js";
import { clock } from "./time.js";
import { shortTag } from "./verdict.js";

/** The longest event type name (`BuildCancelRequested`): types line up in a column. */
const TYPE_WIDTH = 20;

const short = (sha: string) => (sha ? sha.slice(0, 7) : "(tip)");

/** The first characters of a build id: enough to tell a few builds' log lines apart. */
export const shortBuildId = (id: string) => id.slice(0, 8);

/** The fields of an event a person looks for, in one line (never its log text). */
export function eventSummary(e: Event, p: Palette): string {
  switch (e.type) {
    case "WebhookReceived": {
      const d = e.data;
      return `${d.repo.key} ${d.ref} ${short(d.requestedSha)}${d.pusher ? ` by ${d.pusher}` : ""} (${d.source}, delivery ${d.deliveryId})`;
    }
    case "WebhookIgnored": {
      const d = e.data;
      return `${d.repo.key} ${d.ref} ${p.yellow("ignored")} ${d.reason}: ${d.message} (delivery ${d.deliveryId})`;
    }
    case "RepoUpdated": {
      const d = e.data;
      return `${d.repo.key} ${d.branch ?? d.ref} ${short(d.sha)} #${d.buildNumber}: ${d.dockerfiles.join(", ") || "no Dockerfile"} (context ${bytes(d.contextBytes)})`;
    }
    case "RepoSyncFailed": {
      const d = e.data;
      return `${d.repo.key} ${d.ref} ${p.red(d.code)}: ${d.message}`;
    }
    case "BuildQueued": {
      const d = e.data;
      const retry = d.retryOf ? ` retry of ${d.retryOf}${d.requestedBy ? ` by ${d.requestedBy}` : ""}` : "";
      return `${d.buildId} ${d.repo.key} ${d.branch ?? "-"} ${short(d.sha)} ${d.dockerfile} -> ${d.image} #${d.buildNumber}${retry}`;
    }
    case "BuildStarted":
      return `${e.data.buildId} attempt ${e.data.attempt} on ${e.data.builder}`;
    case "BuildLogChunk":
      return `${e.data.buildId} attempt ${e.data.attempt}, ${Buffer.byteLength(e.data.text)} bytes at ${e.data.offset}`;
    case "ImageBuilt":
      return `${e.data.buildId} ${e.data.imageId.slice(0, 19)} (attempt ${e.data.attempt})`;
    case "ImagePushed": {
      const d = e.data;
      return `${d.buildId} ${p.green("pushed")} ${d.image} (${d.tags.map(shortTag).join(", ")}) ${d.digest.slice(0, 19)}`;
    }
    case "BuildFailed": {
      const d = e.data;
      return `${d.buildId} ${p.red("failed")} at ${d.stage} (${d.code}): ${d.message}`;
    }
    case "BuildCancelled": {
      const d = e.data;
      return `${d.buildId} ${p.yellow("cancelled")}${d.requestedBy ? ` by ${d.requestedBy}` : ""}${d.reason ? `: ${d.reason}` : ""}`;
    }
    case "BuildCancelRequested": {
      const d = e.data;
      return `${d.buildId} by ${d.requestedBy}${d.reason ? `: ${d.reason}` : ""}`;
    }
    case "BuildHandedBack": {
      const d = e.data;
      return `${d.buildId} attempt ${d.attempt} by ${d.builder}: ${d.reason}`;
    }
    default: {
      const _exhaustive: never = e;
      return String(_exhaustive);
    }
  }
}

/** Event types that end or break something, coloured so they stand out in a busy stream. */
function typeColor(type: string, p: Palette): (s: string) => string {
  if (type === "BuildFailed" || type === "RepoSyncFailed") return p.red;
  if (type === "ImagePushed") return p.green;
  if (type === "BuildCancelled" || type === "WebhookIgnored" || type === "BuildHandedBack") return p.yellow;
  return p.cyan;
}

/** `12:03:04.120 BuildQueued          b3f9a0c1d2e4f567 acme/shop main 1a2b3c4 Dockerfile -> …`, local time of the event. */
export function eventLine(e: Event, p: Palette): string {
  const at = new Date(e.time);
  return `${p.dim(clock(at))} ${typeColor(e.type, p)(e.type.padEnd(TYPE_WIDTH))} ${eventSummary(e, p)}`;
}

/** A message on a `ci.` subject that is no event we can read. */
export function undecodableLine(subject: string, size: number, at: Date, p: Palette): string {
  return `${p.dim(clock(at))} ${subject} <${size} bytes, not an event>`;
}

/**
 * Log chunks cut lines anywhere: this keeps each build's unfinished line until the rest comes
 * (or `flush`), so every printed line is a whole one with its build's prefix.
 */
export class LogLines {
  private readonly partial = new Map<string, string>();

  /** The whole lines `text` completes, prefixed `b3f9a0c1 | `. CR and CRLF end lines too. */
  push(buildId: string, text: string, p: Palette): string[] {
    const all = (this.partial.get(buildId) ?? "") + text.replace(/\r\n?/g, "\n");
    const lines = all.split("\n");
    const rest = lines.pop() ?? "";
    if (rest === "") this.partial.delete(buildId);
    else this.partial.set(buildId, rest);
    return lines.map((line) => `${p.dim(`${shortBuildId(buildId)} |`)} ${line}`);
  }

  /** The unfinished line of one build (or of all), as a line of its own. */
  flush(p: Palette, buildId?: string): string[] {
    const ids = buildId === undefined ? [...this.partial.keys()] : [buildId];
    const out: string[] = [];
    for (const id of ids) {
      const rest = this.partial.get(id);
      if (rest === undefined) continue;
      this.partial.delete(id);
      out.push(`${p.dim(`${shortBuildId(id)} |`)} ${rest}`);
    }
    return out;
  }

  get pending(): boolean {
    return this.partial.size > 0;
  }
}
