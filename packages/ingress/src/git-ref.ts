/**
 * The grammar of what GitHub and git would accept: repository and owner names, full refs by git's
 * `check-ref-format` rules (git-check-ref-format(1), rules 1-10), implemented here rather than
 * run as a command per request. Input outside it is refused at the door, never published.
 * Every check returns null when the value is fine, else the problem in words.
 */

const GITHUB_NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** GitHub's rules for an owner or repository name: 1-100 of `[A-Za-z0-9._-]`, not `.` or `..`. */
export function githubNameProblem(name: string): string | null {
  if (!GITHUB_NAME.test(name)) return "must be 1-100 characters of [A-Za-z0-9._-]";
  if (name === "." || name === "..") return "must not be . or ..";
  return null;
}

/** Characters git forbids anywhere in a ref: controls, DEL, space and `~^:?*[\`. */
const FORBIDDEN_IN_REF = /[\x00-\x20\x7f~^:?*[\\]/;

/** A full ref (`refs/...`) by git's rules. */
export function refFormatProblem(ref: string): string | null {
  if (ref === "@") return "is the single character @";
  if (ref.startsWith("/") || ref.endsWith("/")) return "begins or ends with /";
  if (ref.includes("//")) return "has an empty path component (//)";
  if (!ref.includes("/")) return "has no / (a full ref is refs/heads/... or refs/tags/...)";
  if (ref.endsWith(".")) return "ends with .";
  if (ref.includes("..")) return "contains ..";
  if (ref.includes("@{")) return "contains @{";
  const bad = FORBIDDEN_IN_REF.exec(ref)?.[0];
  if (bad !== undefined) return bad < " " || bad === "\x7f" ? "contains a control character" : `contains ${JSON.stringify(bad)}`;
  for (const component of ref.split("/")) {
    if (component.startsWith(".")) return `has a path component beginning with . (${JSON.stringify(component)})`;
    if (component.endsWith(".lock")) return `has a path component ending with .lock (${JSON.stringify(component)})`;
  }
  return null;
}

/** The refs a push can name: `refs/heads/<branch>` or `refs/tags/<tag>`, valid by git's rules. */
export function pushRefProblem(ref: string): string | null {
  if (!ref.startsWith("refs/heads/") && !ref.startsWith("refs/tags/")) return "is neither refs/heads/<branch> nor refs/tags/<tag>";
  const name = ref.slice(ref.indexOf("/", "refs/".length) + 1);
  if (name === "") return "names no branch or tag";
  if (name === "@") return "names the branch @ (git reads it as HEAD)";
  // git refuses such branch names, and they must never be taken for an option.
  if (name.startsWith("-")) return "names a branch or tag starting with -";
  return refFormatProblem(ref);
}
