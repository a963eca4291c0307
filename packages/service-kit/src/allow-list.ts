/**
 * `SLIPWAY_ALLOWED_REPOS`: comma-separated globs over `owner/name` or `name`, where `*` matches
 * within one path segment (`acme/*` allows every repo of acme, not `acme/x/y`).
 */
export type RepoAllowList = {
  globs: string[];
  /** Globs without an owner (`fruty_*`): they match that name under any owner. */
  anyOwnerGlobs: string[];
  allows(repo: { key: string; name: string }): boolean;
};

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^/]*");
  return new RegExp(`^${body}$`, "i");
}

export function parseRepoGlobs(list: string): RepoAllowList {
  // Both ingress (refuse early, 403) and git-sync (never clone what is not allowed) check it.
  const globs = list.split(",").map((g) => g.trim()).filter(Boolean);
  const patterns = globs.map(globToRegExp);
  return {
    globs,
    anyOwnerGlobs: globs.filter((g) => !g.includes("/")),
    allows: (repo) => patterns.some((p) => p.test(repo.key) || p.test(repo.name)),
  };
}

/** `SLIPWAY_ALLOWED_REPOS` from the environment; null = every repo allowed. */
export function allowedRepos(env: Record<string, string | undefined>): RepoAllowList | null {
  const list = env.SLIPWAY_ALLOWED_REPOS?.trim();
  return list ? parseRepoGlobs(list) : null;
}
