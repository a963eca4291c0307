import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { WebhookReceived } from "@slipway/events";

/**
 * The part of GitHub's push payload slipway reads. Everything else is allowed and ignored; the
 * seed's hand-made curl (`repository.name`, `ref`, `head_commit.id`) is the smallest valid body.
 */
const Name = Type.String({ minLength: 1, maxLength: 100 });
export const PushPayload = Type.Object({
  ref: Type.String({ minLength: 1, maxLength: 1000 }),
  after: Type.Optional(Type.String({ maxLength: 200 })),
  deleted: Type.Optional(Type.Boolean()),
  head_commit: Type.Optional(Type.Union([Type.Object({ id: Type.String({ maxLength: 200 }) }), Type.Null()])),
  repository: Type.Object({
    name: Name,
    full_name: Type.Optional(Type.String({ minLength: 3, maxLength: 201 })),
    owner: Type.Optional(Type.Object({ login: Type.Optional(Name), name: Type.Optional(Type.Union([Name, Type.Null()])) })),
    default_branch: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  }),
  pusher: Type.Optional(Type.Object({ name: Type.Optional(Type.String()) })),
});
export type PushPayload = Static<typeof PushPayload>;

export type PayloadProblem = { ok: false; message: string };
export type ParsedPush = { ok: true; data: Omit<WebhookReceived, "deliveryId" | "source">; deleted: boolean };

/** Checks a push body and maps it to what `WebhookReceived` carries; a problem names the field. */
export function parsePush(body: unknown): ParsedPush | PayloadProblem {
  if (!Value.Check(PushPayload, body)) {
    const e = Value.Errors(PushPayload, body).First();
    return { ok: false, message: e ? `invalid push payload at ${e.path || "/"}: ${e.message}` : "invalid push payload" };
  }
  const repo = body.repository;
  const owner = repo.owner?.login ?? repo.owner?.name ?? ownerFromFullName(repo.full_name) ?? null;
  const key = owner ? `${owner}/${repo.name}` : repo.name;
  const branch = body.ref.startsWith("refs/heads/") ? body.ref.slice("refs/heads/".length) : null;
  return {
    ok: true,
    deleted: body.deleted === true,
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

function ownerFromFullName(fullName: string | undefined): string | undefined {
  const slash = fullName?.indexOf("/") ?? -1;
  return fullName && slash > 0 ? fullName.slice(0, slash) : undefined;
}
