/**
 * Image names and tags by the seed's rule: lowercased `<repo>` + what follows `Dockerfile`
 * (`Dockerfile_test` -> `<repo>_test`), under `<owner>/` with `SLIPWAY_IMAGE_OWNER_PREFIX`. What the
 * distribution reference grammar would reject is normalised here, or refused with a reason: never
 * passed to Docker to fail obscurely. Which repository may push a name is `image-claims.ts`'s job.
 */

/** One path component of the reference grammar: alphanumerics joined by `.`, `_`, `__` or dashes. */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const MAX_NAME = 255;

export type NameResult = { ok: true; name: string } | { ok: false; reason: string };

/** Lowercases and maps onto the grammar what it would reject; "" or a non-component if nothing fits. */
function component(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    // A run of separators the grammar does not know (`___`, `._`, `-.`) becomes one dash.
    .replace(/[._-]{2,}/g, (run) => (run === "__" || /^-+$/.test(run) ? run : "-"))
    .replace(/^[._-]+|[._-]+$/g, "");
}

/**
 * The image name of one Dockerfile. `ownerPrefix` is the owner to put in front
 * (`SLIPWAY_IMAGE_OWNER_PREFIX` on and the push names one), normalised like the repo part, so
 * `Acme` + `shop` + `Dockerfile` -> `acme/shop`; null keeps the seed's one-component name.
 */
export function imageNameFor(repoName: string, dockerfile: string, ownerPrefix: string | null = null): NameResult {
  const name = component(repoName + dockerfile.slice("Dockerfile".length));
  if (!name || !COMPONENT.test(name)) {
    return { ok: false, reason: `no valid image name can be made from repository ${JSON.stringify(repoName)} and ${JSON.stringify(dockerfile)}` };
  }
  let full = name;
  if (ownerPrefix !== null) {
    const owner = component(ownerPrefix);
    if (!owner || !COMPONENT.test(owner)) {
      return { ok: false, reason: `no valid image name prefix can be made from owner ${JSON.stringify(ownerPrefix)} (SLIPWAY_IMAGE_OWNER_PREFIX is on)` };
    }
    full = `${owner}/${name}`;
  }
  if (full.length > MAX_NAME) return { ok: false, reason: `image name for ${dockerfile} is longer than ${MAX_NAME} characters` };
  return { ok: true, name: full };
}

/** Tags of the immutable kinds (`:<sha>`, `:<build number>`): a branch tag must never look like one. */
const LOOKS_IMMUTABLE = /^(?:[0-9a-f]{40}|[0-9]+)$/;
export const BRANCH_TAG_PREFIX = "branch-";

/**
 * A tag from a branch name: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`, or null if nothing is left. A
 * branch named like a commit sha or a number (`1234`) gets the `branch-` prefix, so it can never
 * overwrite another build's `:<sha>` or `:<build number>` tag.
 */
export function branchTag(branch: string): string | null {
  const tag = branch.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[.-]+/, "").slice(0, 128);
  if (!tag) return null;
  return LOOKS_IMMUTABLE.test(tag) ? (BRANCH_TAG_PREFIX + tag).slice(0, 128) : tag;
}

/** Tags, as in the seed plus branches: the commit, the build number, the branch, `latest` on the default branch. */
export function tagsFor(sha: string, buildNumber: number, branch: string | null, defaultBranch: string | null): string[] {
  const tags = [sha, String(buildNumber)];
  const fromBranch = branch ? branchTag(branch) : null;
  if (fromBranch && fromBranch !== "latest" && !tags.includes(fromBranch)) tags.push(fromBranch);
  if (branch !== null && branch === defaultBranch) tags.push("latest");
  return tags;
}

/**
 * Names for every Dockerfile of one push (`ownerPrefix` as for `imageNameFor`). Two Dockerfiles that normalise to the same name would
 * overwrite each other's image: the later one (in name order) is refused.
 */
export function planImages(repoName: string, dockerfiles: string[], ownerPrefix: string | null = null): Map<string, NameResult> {
  const plan = new Map<string, NameResult>();
  const taken = new Map<string, string>();
  for (const dockerfile of dockerfiles) {
    const result = imageNameFor(repoName, dockerfile, ownerPrefix);
    if (result.ok && taken.has(result.name)) {
      plan.set(dockerfile, { ok: false, reason: `${dockerfile} would be named ${result.name}, like ${taken.get(result.name)}` });
      continue;
    }
    if (result.ok) taken.set(result.name, dockerfile);
    plan.set(dockerfile, result);
  }
  return plan;
}
