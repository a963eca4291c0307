import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** A folder of this machine as a scratch image spec takes it: regular files and symlinks, each at its own path. */
export type HostTree = { files: Record<string, string>; links: Record<string, string> };

/**
 * Walks `dir` (recursively), leaving out entries whose name `skip` accepts. Symlinks stay links
 * (git's helpers are mostly links to `git`: copies would repeat its 4 MB a hundred times).
 */
export function hostTree(dir: string, skip: (name: string) => boolean = () => false): HostTree {
  const tree: HostTree = { files: {}, links: {} };
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      if (skip(name)) continue;
      const path = join(folder, name);
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) tree.links[path] = readlinkSync(path);
      else if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) tree.files[path] = path;
    }
  };
  walk(dir);
  return tree;
}
