import { Type, type Static } from "@sinclair/typebox";

/** A repository as the system names it: `key` is `owner/name` when the owner is known, else `name`. */
export const RepoRef = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 300 }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  owner: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()]),
});
export type RepoRef = Static<typeof RepoRef>;

export const GitSha = Type.String({ pattern: "^[0-9a-f]{40}$" });
export const BuildId = Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" });
export const IsoTime = Type.String({ format: "date-time" });
