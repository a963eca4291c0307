import { Readable } from "node:stream";
import { extract, pack, type Header } from "tar-stream";

/** A tar entry's name as ignore patterns see it: no leading `./`, no trailing `/`. */
export function entryPath(name: string): string {
  return name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
}

/**
 * The ignore filter over a tar's entries in their order (parents before children): null when the
 * entry is left out, else what to write: the excluded parent directories held back for it (a `!`
 * exception under them), then the entry. Shared by every way a context is made.
 */
export function entryFilter<T extends { path: string }>(keeps: (path: string) => boolean, isDirectory: (entry: T) => boolean): (entry: T) => T[] | null {
  const held: T[] = [];
  return (entry) => {
    while (held.length > 0 && !entry.path.startsWith(`${held[held.length - 1]!.path}/`)) held.pop();
    if (entry.path === "" || !keeps(entry.path)) {
      if (entry.path !== "" && isDirectory(entry)) held.push(entry);
      return null;
    }
    return [...held.splice(0), entry];
  };
}

/**
 * Copies a tar, entry by entry, leaving out the entries `keeps` refuses: file data flows through
 * (never a whole file or tar in memory), and what is left out is read and dropped. An excluded
 * directory is held back (its header only) and written just before the first entry under it that
 * is kept (a `!` exception), with its own mode and time, as BuildKit sends a context's parents;
 * an excluded directory with nothing kept under it is not written. Parents must come before their
 * children, as `git archive` and `tar` write them. The root entry (`./`) is dropped.
 * Errors of the source end the copy with the same error.
 */
export function filterTar(source: Readable, keeps: (path: string) => boolean): Readable {
  const input = extract();
  const output = pack();
  const filter = entryFilter<{ path: string; header: Header }>(keeps, (e) => e.header.type === "directory");

  input.on("entry", (header, stream, next) => {
    const written = filter({ path: entryPath(header.name), header });
    if (written === null) {
      stream.on("end", () => next());
      stream.resume();
      return;
    }
    for (const dir of written.slice(0, -1)) output.entry(dir.header);
    stream.pipe(output.entry(header, next));
  });
  input.on("finish", () => output.finalize());
  input.on("error", (err) => output.destroy(err));
  source.on("error", (err) => input.destroy(err));
  source.pipe(input);

  // tar-stream's streams are streamx streams: hand out a Node stream, and stop the source with it.
  const filtered = Readable.from(output);
  filtered.once("close", () => {
    source.destroy();
    input.destroy();
  });
  return filtered;
}
