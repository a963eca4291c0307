import { ignoreFileFor, parseDockerignore, ROOT_IGNORE_FILE, type IgnoreRules } from "./dockerignore.js";

/** One build context to store: a tar in the object store, for one or more Dockerfiles. */
export type ContextPlan = Readonly<{
  /** `<repoKey>@<sha>` for the root context, `<repoKey>@<sha>:<Dockerfile>` for a Dockerfile's own (see rootContextName). */
  object: string;
  dockerfiles: readonly string[];
  /** The ignore file applied, null = none (everything goes in). */
  ignoreFile: string | null;
  /** Whether `path` (relative to the root) goes into this context. */
  keeps(path: string): boolean;
}>;

/**
 * Name of the context object shared by the Dockerfiles that use the root `.dockerignore` (or none);
 * `+submodules` when it holds them, so turning SLIPWAY_GIT_SUBMODULES on never reuses a context
 * stored without them.
 */
export function rootContextName(repoKey: string, sha: string, submodules = false): string {
  return `${repoKey}@${sha}${submodules ? "+submodules" : ""}`;
}

/**
 * Pure: which contexts a commit needs, and what goes into each. `ignoreTexts` holds the content of
 * every ignore file `ignoreFileFor` names (root regular files only).
 *
 * The Dockerfile is always in its context, even when its ignore file excludes it: both of the
 * engine's builders read it from the tar they are sent (without it, BuildKit fails "failed to
 * read dockerfile" and the classic builder "Cannot locate specified Dockerfile"), as Docker's CLI
 * always sends it. What each builder then does with an excluded Dockerfile, measured on Docker
 * 20.10.24 with a tar sent to `/build` (packages/git-sync/test/build-contexts.int.test.ts):
 * - the classic builder (`version=1`) reads the root `.dockerignore` from the tar and removes the
 *   Dockerfile and `.dockerignore` if they match it (moby's `removeDockerfile`), exactly as
 *   `docker build` from a folder: so a context whose Dockerfile is excluded keeps `.dockerignore`
 *   too, even if it excludes itself, for the classic builder to read (that builder knows no
 *   `<Dockerfile>.dockerignore`: with one, it removes only what the root file in the tar, if
 *   any, matches);
 * - BuildKit (`version=2`) applies no ignore file to a tar and removes nothing: `COPY . /x` copies
 *   the excluded Dockerfile (and that `.dockerignore`). That is the one difference from
 *   `docker build`, and no tar can avoid it: BuildKit reads the Dockerfile from the context.
 * A Dockerfile that its ignore file excludes therefore gets a context of its own (other
 * Dockerfiles must not see it), and so does a Dockerfile with its own `<Dockerfile>.dockerignore`;
 * all others share the root context.
 */
export function planContexts(
  repoKey: string,
  sha: string,
  dockerfiles: readonly string[],
  rootFiles: ReadonlySet<string>,
  ignoreTexts: ReadonlyMap<string, string>,
  submodules = false,
): ContextPlan[] {
  const rulesOf = memo((file: string) => parseDockerignore(ignoreTexts.get(file) ?? ""));
  const plans = new Map<string, { object: string; dockerfiles: string[]; ignoreFile: string | null; keeps: (path: string) => boolean }>();
  const add = (object: string, dockerfile: string | null, ignoreFile: string | null, forced: ReadonlySet<string>) => {
    const plan = plans.get(object) ?? { object, dockerfiles: [], ignoreFile, keeps: keeper(ignoreFile === null ? null : rulesOf(ignoreFile), forced) };
    if (dockerfile !== null) plan.dockerfiles.push(dockerfile);
    plans.set(object, plan);
  };
  const shared = rootContextName(repoKey, sha, submodules);
  const rootIgnore = rootFiles.has(ROOT_IGNORE_FILE) ? ROOT_IGNORE_FILE : null;
  for (const dockerfile of dockerfiles) {
    const ignoreFile = ignoreFileFor(dockerfile, rootFiles);
    const rules = ignoreFile === null ? null : rulesOf(ignoreFile);
    const excluded = rules?.excludes(dockerfile) ?? false;
    const forced = new Set(excluded ? [dockerfile] : []);
    if (excluded && ignoreFile === ROOT_IGNORE_FILE) forced.add(ROOT_IGNORE_FILE);
    const own = excluded || (ignoreFile !== null && ignoreFile !== ROOT_IGNORE_FILE);
    add(own ? `${shared}:${dockerfile}` : shared, dockerfile, ignoreFile, forced);
  }
  // A commit without Dockerfiles still gets its context, as RepoUpdated names one.
  if (plans.size === 0) add(shared, null, rootIgnore, new Set());
  // The shared context first: RepoUpdated's contextObject names the first.
  return [...plans.values()].sort((a, b) => Number(b.object === shared) - Number(a.object === shared));
}

function keeper(rules: IgnoreRules | null, forced: ReadonlySet<string>): (path: string) => boolean {
  if (rules === null) return () => true;
  return (path) => forced.has(path) || !rules.excludes(path);
}

function memo<T>(make: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = make(key)));
    return value;
  };
}
