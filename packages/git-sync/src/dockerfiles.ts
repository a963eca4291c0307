/**
 * The seed's rule, made total: every regular file in the repo root whose name starts with
 * `Dockerfile` is built, except `*.dockerignore` (per-Dockerfile ignore files).
 * Input is `git ls-tree -z <sha>` output: `<mode> <type> <object>\t<name>` entries.
 */
export function findDockerfiles(lsTreeZ: string): string[] {
  const found: string[] = [];
  for (const entry of lsTreeZ.split("\0")) {
    const tab = entry.indexOf("\t");
    if (tab < 0) continue;
    const [mode, type] = entry.slice(0, tab).split(" ");
    const name = entry.slice(tab + 1);
    // 100644/100755 are regular files; 120000 (symlinks) could point outside the context.
    if (type !== "blob" || (mode !== "100644" && mode !== "100755")) continue;
    if (name.startsWith("Dockerfile") && !name.endsWith(".dockerignore")) found.push(name);
  }
  return found.sort();
}
