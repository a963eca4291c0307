import dockerignore from "@balena/dockerignore";

/** The root ignore file, used by every Dockerfile that has no ignore file of its own. */
export const ROOT_IGNORE_FILE = ".dockerignore";

/** One ignore file's patterns, matched as Docker matches them. */
export type IgnoreRules = {
  /** Whether `path` (relative to the context root, `/`-separated, no `./`) stays out of the context. */
  excludes(path: string): boolean;
};

/**
 * Parses an ignore file with @balena/dockerignore, a port of Docker's matcher: one pattern per
 * line, `#` comments, surrounding blanks trimmed, a leading `/` dropped (patterns are relative to
 * the context root), `*` and `?` never crossing `/`, `**` any number of directories, a match of
 * a parent directory excluding what is under it, `!` re-including, and the last matching line
 * winning. Two settings differ from the library's defaults: matching is case-sensitive, as on
 * Linux (the library folds case unless told not to), and a UTF-8 BOM is dropped first, as
 * Docker's reader does.
 */
export function parseDockerignore(text: string): IgnoreRules {
  const matcher = dockerignore.default({ ignorecase: false }).add(text.replace(/^\uFEFF/, ""));
  return { excludes: (path) => matcher.ignores(path) };
}

/**
 * The ignore file of a Dockerfile, as BuildKit picks it: `<Dockerfile>.dockerignore` next to the
 * Dockerfile when there is one (it replaces the root file for that Dockerfile, it does not add to
 * it), else the root `.dockerignore`, else none. `rootFiles` are the regular files of the root.
 */
export function ignoreFileFor(dockerfile: string, rootFiles: ReadonlySet<string>): string | null {
  const own = `${dockerfile}.dockerignore`;
  if (rootFiles.has(own)) return own;
  return rootFiles.has(ROOT_IGNORE_FILE) ? ROOT_IGNORE_FILE : null;
}
