/** What a folder holds on disk: bytes of its regular files, and how many there are. */
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

export type DirSize = { bytes: number; files: number };

/** Sums a folder's regular files (apparent sizes), recursively; 0 for a missing folder. */
export function dirSize(dir: string): DirSize {
  let bytes = 0;
  let files = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return { bytes, files };
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      const sub = dirSize(path);
      bytes += sub.bytes;
      files += sub.files;
    } else if (e.isFile()) {
      bytes += lstatSync(path).size;
      files++;
    }
  }
  return { bytes, files };
}

/** The size of each entry directly in `dir` (a file's own size, a folder's sum). */
export function entrySizes(dir: string): Record<string, DirSize> {
  const out: Record<string, DirSize> = {};
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    out[e.name] = e.isDirectory() ? dirSize(path) : { bytes: lstatSync(path).size, files: 1 };
  }
  return out;
}
