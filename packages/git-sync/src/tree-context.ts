import { blobObjectName, blobRecord } from "@slipway/events";
import { catFileBatch } from "./cat-file-batch.js";
import { entryHeader, globalHeader, trailerLength, type GitEntryMode } from "./git-tar-header.js";
import type { ObjectWriter } from "./object-writer.js";
import { runGit } from "./run-git.js";
import { ContextOverLimit, LARGE_FILE_BYTES, LiteralRecords, putSpliced, type LargeFiles } from "./spliced-context.js";
import { entryFilter } from "./tar-filter.js";
import { padded } from "./tar-walk.js";

/** One entry of `git ls-tree -r -t -l`: trees before what they hold, in git's order (git archive's). */
export type TreeEntry = { mode: string; type: string; oid: string; size: number; path: string };

/** A commit's whole tree, listed; `attributes` when it has a `.gitattributes` (git archive may then rewrite files). */
export type TreeListing = { entries: TreeEntry[]; attributes: boolean };

/** Larger than ustar's size field: git writes a pax size record, which the tree tar does not. */
const USTAR_MAX_SIZE = 0o77777777777;

/** `git ls-tree` arguments of a TreeListing: every entry, trees included, with blob sizes. */
export const TREE_LISTING = ["ls-tree", "-r", "-t", "-l", "-z", "--full-tree"];

export async function listTree(mirror: string, sha: string, timeoutMs: number): Promise<TreeListing> {
  return parseTree(await runGit([...TREE_LISTING, sha], { gitDir: mirror, timeoutMs }));
}

/** A TREE_LISTING's output, parsed. */
export function parseTree(listing: string): TreeListing {
  const entries: TreeEntry[] = [];
  let attributes = false;
  for (const line of listing.split("\0")) {
    const tab = line.indexOf("\t");
    if (tab === -1) continue;
    const path = line.slice(tab + 1);
    if (path === ".gitattributes" || path.endsWith("/.gitattributes")) attributes = true;
    const [mode, type, oid, size] = line.slice(0, tab).split(/ +/);
    entries.push({ mode: mode!, type: type!, oid: oid!, size: size === "-" ? 0 : Number(size), path });
  }
  return { entries, attributes };
}

/**
 * The large regular files of a tree (path -> blob), the ones a context refers to as stored
 * blobs. Null when the tree has a `.gitattributes`: then `git archive` may write a file other
 * than its blob (export-subst, eol conversion), so no file is taken from a stored blob. (A file
 * whose size in git's tar differs from its blob's is never taken from one either.)
 */
export function largeFilesOf(listing: TreeListing): LargeFiles | null {
  if (listing.attributes) return null;
  const files = new Map<string, { oid: string; size: number }>();
  for (const e of listing.entries) if (isRegular(e) && e.size >= LARGE_FILE_BYTES) files.set(e.path, { oid: e.oid, size: e.size });
  return files;
}

const isRegular = (e: TreeEntry) => e.type === "blob" && (e.mode === "100644" || e.mode === "100755");
const isDirectory = (e: TreeEntry) => e.type === "tree" || e.type === "commit";

/**
 * Whether the context `keeps` makes can be written from the listing alone (treeContext): no
 * `.gitattributes`, and every large file it holds already stored.
 */
export function fromTreeAlone(listing: TreeListing, large: LargeFiles | null, stored: ReadonlySet<string>, keeps: (path: string) => boolean): boolean {
  if (large === null) return false;
  for (const e of listing.entries) {
    if (e.type !== "blob" || e.size > USTAR_MAX_SIZE || !keeps(e.path)) continue;
    const file = large.get(e.path);
    if (file !== undefined && !stored.has(blobObjectName(file.oid))) return false;
  }
  return true;
}

/**
 * Writes a context in the spliced format from the commit's tree listing, with the same tar bytes
 * as `git archive` (headers from git-tar-header.ts): its large files are references to stored
 * blobs, so none of them is read, and the small ones come from `git cat-file --batch`. Only when
 * fromTreeAlone holds. Resolves with the size of the tar; over `maxBytes` nothing is written.
 */
export type TreeContext = {
  mirror: string;
  sha: string;
  listing: TreeListing;
  large: LargeFiles;
  /** Which paths go in (the ignore file applied). */
  keeps(path: string): boolean;
  /** Largest tar, in bytes; 0 = no limit. */
  maxBytes: number;
  timeoutMs: number;
};

export async function storeFromTree(writer: ObjectWriter, object: string, o: TreeContext): Promise<number> {
  const { sha, listing, large } = o;
  // git archive writes a directory only once something under it is written: never an empty tree.
  const used = new Set<string>();
  for (const e of listing.entries) if (e.type !== "tree") for (let at = e.path.lastIndexOf("/"); at > 0; at = e.path.lastIndexOf("/", at - 1)) used.add(e.path.slice(0, at));
  const filter = entryFilter<TreeEntry>(o.keeps, isDirectory);
  const written = listing.entries.filter((e) => e.type !== "tree" || used.has(e.path)).flatMap((e) => filter(e) ?? []);

  // Sizes are all known (a symlink's blob is its target): the limit is checked before anything is read.
  let before = globalHeader(sha, 0).length;
  for (const e of written) before += entryHeader(pathOf(e), modeOf(e), e.size, 0, e.oid, modeOf(e) === "symlink" ? "x".repeat(e.size) : "").length + (isRegular(e) ? padded(e.size) : 0);
  const total = before + trailerLength(before);
  if (o.maxBytes > 0 && total > o.maxBytes) throw new ContextOverLimit(total);

  const spliced = (e: TreeEntry) => isRegular(e) && large.get(e.path)?.oid === e.oid;
  const needed = written.filter((e) => e.type === "blob" && !spliced(e)).map((e) => e.oid);
  const batch = catFileBatch(o.mirror, [sha, ...needed], o.timeoutMs);
  let size = 0;
  async function* records(): AsyncGenerator<Buffer> {
    const literal = new LiteralRecords();
    const add = (b: Buffer) => {
      literal.add(b);
      size += b.length;
    };
    const mtime = commitTime(await batch.next());
    add(globalHeader(sha, mtime));
    for (const e of written) {
      const mode = modeOf(e);
      if (e.type !== "blob") {
        add(entryHeader(pathOf(e), mode, 0, mtime, e.oid));
      } else if (mode === "symlink") {
        add(entryHeader(pathOf(e), mode, 0, mtime, e.oid, (await batch.next()).toString("utf8")));
      } else if (spliced(e)) {
        add(entryHeader(pathOf(e), mode, e.size, mtime, e.oid));
        yield* literal.flush();
        yield blobRecord(blobObjectName(e.oid), e.size);
        size += e.size;
        add(Buffer.alloc(padded(e.size) - e.size));
      } else {
        add(entryHeader(pathOf(e), mode, e.size, mtime, e.oid));
        const content = await batch.next();
        if (content.length !== e.size) throw new Error(`${e.path}: git gave ${content.length} bytes, its tree says ${e.size}`);
        add(content);
        add(Buffer.alloc(padded(content.length) - content.length));
      }
      if (literal.full) yield* literal.flush();
    }
    add(Buffer.alloc(trailerLength(size)));
    yield* literal.flush();
  }
  try {
    await putSpliced(writer, object, records(), () => size);
  } finally {
    batch.close();
  }
  return size;
}

function modeOf(e: TreeEntry): GitEntryMode {
  if (isDirectory(e)) return "directory";
  if (e.mode === "120000") return "symlink";
  return e.mode === "100755" ? "executable" : "file";
}

const pathOf = (e: TreeEntry) => (isDirectory(e) ? `${e.path}/` : e.path);

/** The committer time of a commit object, as git archive stamps every entry with it. */
function commitTime(commit: Buffer): number {
  const match = /^committer .* (\d+) [+-]\d{4}$/m.exec(commit.toString("utf8"));
  if (!match) throw new Error("the commit has no committer line");
  return Number(match[1]);
}
