import type { KV } from "@nats-io/kv";

/** KV bucket: image name (registry path, no tag) -> key of the repository that claimed it. */
export const IMAGE_NAME_OWNERS_BUCKET = "image-name-owners";

export type ImageClaim = { ok: true } | { ok: false; owner: string };

/**
 * The bucket key of an image: `i.` + base64url of the name. KV keys allow only `[-/_=.A-Za-z0-9]`
 * and a registry's `host:port` has a `:`; base64url is reversible and never holds a `.`, so an
 * operator can compute a key (`printf %s "$image" | basenc --base64url -w0 | tr -d =`).
 */
export function claimKey(image: string): string {
  return `i.${Buffer.from(image, "utf8").toString("base64url")}`;
}

/**
 * Claims `image` for `repoKey` unless another repository holds it. The first repository to queue a
 * build of a name owns it for good: the write is a create-only compare-and-set, so of two
 * git-syncs racing for one name exactly one wins, and the other reads the winner.
 */
export async function claimImageName(kv: KV, image: string, repoKey: string): Promise<ImageClaim> {
  const key = claimKey(image);
  for (let tries = 0; tries < 20; tries++) {
    const entry = await kv.get(key);
    if (entry && entry.operation === "PUT") {
      const owner = entry.string();
      return owner === repoKey ? { ok: true } : { ok: false, owner };
    }
    try {
      await kv.create(key, repoKey);
      return { ok: true };
    } catch {
      // Another git-sync claimed it between our read and write: read who.
    }
  }
  throw new Error(`could not claim image name ${image}: the claim kept changing`);
}

/** Why a Dockerfile is not built, for the person reading the BuildFailed. */
export function takenReason(dockerfile: string, image: string, owner: string, repoKey: string): string {
  return (
    `${dockerfile} would push ${image}, which belongs to ${owner} (the first repository to build it), not ${repoKey}. ` +
    `Rename the repository or the Dockerfile, or set SLIPWAY_IMAGE_OWNER_PREFIX=true so pushes with an owner are named <owner>/<repo>; ` +
    `an operator can release the name: nats kv del ${IMAGE_NAME_OWNERS_BUCKET} ${claimKey(image)}`
  );
}
