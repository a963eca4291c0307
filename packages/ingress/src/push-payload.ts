import { Type, type Static } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { WebhookReceived } from "@slipway/events";
import { githubNameProblem, pushRefProblem, refFormatProblem } from "./git-ref.js";

/**
 * The part of GitHub's push payload slipway reads. Everything else is allowed and ignored; the
 * seed's hand-made curl (`repository.name`, `ref`, `head_commit.id`) is the smallest valid body.
 */
const Name = Type.String({ minLength: 1, maxLength: 100 });
export const PushPayload = Type.Object({
  ref: Type.String({ minLength: 1, maxLength: 1000 }),
  after: Type.Optional(Type.String({ maxLength: 200 })),
  deleted: Type.Optional(Type.Boolean()),
  head_commit: Type.Optional(Type.Union([Type.Object({ id: Type.String({ maxLength: 200 }), message: Type.Optional(Type.String()) }), Type.Null()])),
  repository: Type.Object({
    name: Name,
    full_name: Type.Optional(Type.String({ minLength: 3, maxLength: 201 })),
    owner: Type.Optional(Type.Object({ login: Type.Optional(Name), name: Type.Optional(Type.Union([Name, Type.Null()])) })),
    default_branch: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  }),
  pusher: Type.Optional(Type.Object({ name: Type.Optional(Type.String({ maxLength: 100 })) })),
});
export type PushPayload = Static<typeof PushPayload>;
// Compiled once: every hook is checked against it.
const pushCheck = TypeCompiler.Compile(PushPayload);

export type PayloadProblem = { ok: false; message: string };
export type ParsedPush = {
  ok: true;
  data: Omit<WebhookReceived, "deliveryId" | "source">;
  deleted: boolean;
  /** The head commit's message, when the payload carries it (for `[skip ci]`). */
  headMessage: string | null;
};

/** A commit as a push names it: a sha, or the seed's hand-made word (`"test"`); never an option. */
const REQUESTED_SHA = /^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,199})?$/;
/** Printable text: no control characters (they would forge log lines and terminal output). */
const PRINTABLE = /^[^\u0000-\u001f\u007f]*$/;

/** Checks a push body and maps it to what `WebhookReceived` carries; a problem names the field. */
export function parsePush(body: unknown): ParsedPush | PayloadProblem {
  if (!pushCheck.Check(body)) {
    const e = pushCheck.Errors(body).First();
    return { ok: false, message: e ? `invalid push payload at ${e.path || "/"}: ${e.message}` : "invalid push payload" };
  }
  const problem = grammarProblem(body);
  if (problem) return { ok: false, message: problem };
  const repo = body.repository;
  const owner = repo.owner?.login ?? repo.owner?.name ?? ownerFromFullName(repo.full_name) ?? null;
  const key = owner ? `${owner}/${repo.name}` : repo.name;
  const branch = body.ref.startsWith("refs/heads/") ? body.ref.slice("refs/heads/".length) : null;
  return {
    ok: true,
    deleted: body.deleted === true,
    headMessage: body.head_commit?.message ?? null,
    data: {
      repo: { key, name: repo.name, owner },
      ref: body.ref,
      branch,
      requestedSha: body.head_commit?.id ?? body.after ?? "",
      defaultBranch: repo.default_branch ?? null,
      pusher: body.pusher?.name ?? null,
    },
  };
}

type FieldCheck = [field: string, value: (body: PushPayload) => string | undefined | null, check: (v: string) => string | null];

/** The grammar checks, in order; one list for every hook, not one made per hook. */
const FIELD_CHECKS: readonly FieldCheck[] = [
  ["/repository/name", (b) => b.repository.name, githubNameProblem],
  ["/repository/owner/login", (b) => b.repository.owner?.login, githubNameProblem],
  ["/repository/owner/name", (b) => b.repository.owner?.name, githubNameProblem],
  ["/repository/full_name", (b) => b.repository.full_name, fullNameProblem],
  ["/ref", (b) => b.ref, pushRefProblem],
  ["/repository/default_branch", (b) => b.repository.default_branch, (branch) => refFormatProblem(`refs/heads/${branch}`) ?? (branch.startsWith("-") ? "begins with -" : null)],
  ["/head_commit/id", (b) => b.head_commit?.id, (id) => (REQUESTED_SHA.test(id) ? null : "must be a commit sha")],
  ["/after", (b) => b.after, (id) => (REQUESTED_SHA.test(id) ? null : "must be a commit sha")],
  ["/pusher/name", (b) => b.pusher?.name, (n) => (PRINTABLE.test(n) ? null : "contains a control character")],
];

/**
 * What the schema cannot say: names as GitHub makes them, refs as git accepts them. The first
 * problem names its field, as the schema's errors do.
 */
function grammarProblem(body: PushPayload): string | null {
  const repo = body.repository;
  for (const [field, value, check] of FIELD_CHECKS) {
    const v = value(body);
    if (v === undefined || v === null) continue;
    const problem = check(v);
    if (problem) return `invalid push payload at ${field}: ${problem}`;
  }
  const owner = repo.owner?.login ?? repo.owner?.name;
  if (repo.full_name && repo.full_name.toLowerCase() !== `${ownerFromFullName(repo.full_name)}/${repo.name}`.toLowerCase()) {
    return "invalid push payload at /repository/full_name: does not end with /repository/name";
  }
  if (owner && repo.full_name && ownerFromFullName(repo.full_name)?.toLowerCase() !== owner.toLowerCase()) {
    return "invalid push payload at /repository/full_name: does not start with the owner";
  }
  return null;
}

function fullNameProblem(fullName: string): string | null {
  const parts = fullName.split("/");
  if (parts.length !== 2) return "must be <owner>/<name>";
  return githubNameProblem(parts[0]!) ?? githubNameProblem(parts[1]!);
}

function ownerFromFullName(fullName: string | undefined): string | undefined {
  const slash = fullName?.indexOf("/") ?? -1;
  return fullName && slash > 0 ? fullName.slice(0, slash) : undefined;
}
