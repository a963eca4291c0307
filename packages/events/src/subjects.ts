/**
 * The one module that builds NATS subjects. Entity names (repos, branches, build ids) become
 * single subject tokens through `encodeToken`, so `.`, `*`, `>`, spaces or unicode in a name can
 * never add a token, act as a wildcard or break the subject.
 */

/** Characters that stay as they are in a token; everything else is escaped as `~` + hex bytes. */
const UNSAFE = /[^A-Za-z0-9_-]/gu;

/**
 * Encodes any string as one subject token: readable for ordinary names (`fruty_docker-ci` stays
 * itself), reversible (`decodeToken`), and never empty (the empty string becomes `~`).
 */
export function encodeToken(value: string): string {
  if (value === "") return "~";
  return value.replace(UNSAFE, escapeChar);
}

/** The escapes of ASCII characters, made once: every hook's subject escapes its repo's `/`. */
const ASCII_ESCAPES = Array.from({ length: 128 }, (_, code) => `~${code.toString(16).padStart(2, "0")}`);

function escapeChar(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 128) return ASCII_ESCAPES[code]!;
  let escaped = "";
  for (const byte of Buffer.from(char, "utf8")) escaped += "~" + byte.toString(16).padStart(2, "0");
  return escaped;
}

/** Reverses `encodeToken`; throws on a token `encodeToken` cannot have produced. */
export function decodeToken(token: string): string {
  if (token === "~") return "";
  if (!/^(?:[A-Za-z0-9_-]|~[0-9a-f]{2})+$/.test(token)) {
    throw new Error(`not an encoded subject token: ${JSON.stringify(token)}`);
  }
  const bytes: number[] = [];
  for (let i = 0; i < token.length; ) {
    if (token[i] === "~") {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(token.charCodeAt(i));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Root of every subject; the events stream takes `ci.>` minus logs. */
export const SUBJECT_ROOT = "ci";

export const BuildPhase = {
  queued: "queued",
  started: "started",
  built: "built",
  pushed: "pushed",
  failed: "failed",
  cancelled: "cancelled",
  cancelRequested: "cancelrequested",
  handedBack: "handedback",
} as const;
export type BuildPhase = (typeof BuildPhase)[keyof typeof BuildPhase];

export const subjects = {
  webhookReceived: (repo: string) => `ci.webhook.received.${encodeToken(repo)}`,
  webhookIgnored: (repo: string) => `ci.webhook.ignored.${encodeToken(repo)}`,
  repoUpdated: (repo: string) => `ci.repo.updated.${encodeToken(repo)}`,
  repoSyncFailed: (repo: string) => `ci.repo.syncfailed.${encodeToken(repo)}`,
  build: (buildId: string, phase: BuildPhase) => `ci.build.${encodeToken(buildId)}.${phase}`,
  /** Every event of one build (a filter). */
  buildEvents: (buildId: string) => `ci.build.${encodeToken(buildId)}.*`,
  log: (buildId: string) => `ci.log.${encodeToken(buildId)}`,
} as const;

/** Subject filters for consumers and streams. */
export const filters = {
  /** Every domain event except logs; `ci.log.>` belongs to the logs stream. */
  events: ["ci.webhook.>", "ci.repo.>", "ci.build.>"],
  logs: "ci.log.>",
  webhooks: "ci.webhook.received.>",
  buildsQueued: "ci.build.*.queued",
  /**
   * Every build event. A consumer that wants only some phases filters by the last token itself:
   * several filters on one consumer (`filter_subjects`) need nats-server 2.10, and 2.9 is supported.
   */
  builds: "ci.build.>",
  cancelRequests: "ci.build.*.cancelrequested",
} as const;
