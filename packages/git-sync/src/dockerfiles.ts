/**
 * Names of the regular files in the repo root (100644/100755 blobs; symlinks, 120000, could point
 * outside the context). Input is `git ls-tree -z <sha>` output, `<mode> <type> <object>\t<name>`,
 * or a recursive listing (with sizes: tree-context.ts), whose paths below the root are skipped.
 */
export function regularRootFiles(lsTreeZ: string): string[] {
  const found: string[] = [];
  for (const entry of lsTreeZ.split("\0")) {
    const tab = entry.indexOf("\t");
    if (tab < 0 || entry.includes("/", tab)) continue;
    const [mode, type] = entry.slice(0, tab).split(" ");
    if (type === "blob" && (mode === "100644" || mode === "100755")) found.push(entry.slice(tab + 1));
  }
  return found;
}

/**
 * The seed's rule, made total: every regular file in the repo root whose name starts with
 * `Dockerfile` is built, except `*.dockerignore` (per-Dockerfile ignore files).
 */
export function findDockerfiles(lsTreeZ: string): string[] {
  return regularRootFiles(lsTreeZ)
    .filter((name) => name.startsWith("Dockerfile") && !name.endsWith(".dockerignore"))
    .sort();
}
