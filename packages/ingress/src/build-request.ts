import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { BuildId, type RepoRef } from "@slipway/events";
import { githubNameProblem, pushRefProblem } from "./git-ref.js";

/**
 * The bodies and names the build control API accepts, as pure checks (table-tested): every
 * problem is one message naming the field, every accepted value is already in the form events use.
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** `POST /builds`: unknown fields are refused, so a typo (`"branch"`) is a 400, not a silent default. */
export const CreateBuildBody = Type.Object(
  {
    repo: Type.String({ description: "`owner/name` or `name`" }),
    ref: Type.String({ description: "`refs/heads/<branch>`, `refs/tags/<tag>` or a branch name" }),
    sha: Type.Optional(Type.String({ description: "a full 40-hex commit; default: the tip of ref" })),
  },
  { additionalProperties: false },
);
export type CreateBuildBody = Static<typeof CreateBuildBody>;

export const MAX_REASON = 1000;
export const MAX_USER = 100;

/** `POST /builds/:id/cancel`: the body is optional. */
export const CancelBuildBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: MAX_REASON })) }, { additionalProperties: false });
export type CancelBuildBody = Static<typeof CancelBuildBody>;

const MAX_REF = 1000;
/** Who is asking when the caller does not say (`X-Slipway-User`). */
export const DEFAULT_CALLER = "api";

/** Checks a body against its schema; the message names the first bad field. */
export function checkBody<S extends typeof CreateBuildBody | typeof CancelBuildBody>(schema: S, body: unknown): Checked<Static<S>> {
  if (Value.Check(schema, body)) return { ok: true, value: body };
  const e = Value.Errors(schema, body).First();
  return { ok: false, message: e ? `invalid body at ${e.path || "/"}: ${e.message}` : "invalid body" };
}

/** `owner/name` or `name`, as the `RepoRef` a push of that repository would carry. */
export function parseRepo(repo: string): Checked<RepoRef> {
  const parts = repo.split("/");
  if (parts.length > 2 || parts.some((p) => githubNameProblem(p) !== null)) {
    return { ok: false, message: `repo must be owner/name or name, each 1-100 characters of [A-Za-z0-9._-] and not . or .. (got ${JSON.stringify(repo.slice(0, 210))})` };
  }
  const [first, second] = parts as [string, string | undefined];
  return { ok: true, value: second === undefined ? { key: first, name: first, owner: null } : { key: repo, name: second, owner: first } };
}

/** A branch (`refs/heads/...`) or tag (`refs/tags/...`) ref and the branch it names (null for tags). */
export type ParsedRef = { ref: string; branch: string | null };

/**
 * `refs/heads/x` and `refs/tags/x` as they are, a bare name as the branch `refs/heads/<name>`;
 * anything git would refuse is refused here, with the reason. A name may not start with `-` (git
 * refuses such branch names, and it must never be taken for an option).
 */
export function parseRef(input: string): Checked<ParsedRef> {
  const bad = (why: string): Checked<ParsedRef> => ({ ok: false, message: `ref ${JSON.stringify(input.slice(0, 200))} ${why}` });
  if (input.length > MAX_REF) return bad(`is longer than ${MAX_REF} characters`);
  const ref = input.startsWith("refs/") ? input : `refs/heads/${input}`;
  const problem = pushRefProblem(ref);
  if (problem) return bad(problem);
  return { ok: true, value: { ref, branch: ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null } };
}

/** A full commit sha, lowercased (the form events carry); short shas could name a branch instead. */
export function parseSha(sha: string): Checked<string> {
  return /^[0-9a-fA-F]{40}$/.test(sha) ? { ok: true, value: sha.toLowerCase() } : { ok: false, message: "sha must be a full commit id: 40 hex characters" };
}

const CALLER = /^[A-Za-z0-9._@+-]{1,100}$/;

/**
 * The caller's name for `pusher` / `requestedBy`, from `X-Slipway-User`: attribution, not
 * authentication (anyone with the token may write any name), so it is only checked for shape.
 */
export function parseCaller(header: string | string[] | undefined): Checked<string> {
  if (header === undefined) return { ok: true, value: DEFAULT_CALLER };
  if (typeof header !== "string" || !CALLER.test(header)) {
    return { ok: false, message: `X-Slipway-User must be 1-${MAX_USER} characters of letters, digits and . _ @ + -` };
  }
  return { ok: true, value: header };
}

/** A build id as events carry it (`^[A-Za-z0-9_-]{1,64}$`). */
export function parseBuildId(id: string): Checked<string> {
  return Value.Check(BuildId, id) ? { ok: true, value: id } : { ok: false, message: "build id must be 1-64 characters of [A-Za-z0-9_-]" };
}
