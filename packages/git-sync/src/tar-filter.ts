import { Readable } from "node:stream";
import { extract, pack, type Header } from "tar-stream";

/** A tar entry's name as ignore patterns see it: no leading `./`, no trailing `/`. */
export function entryPath(name: string): string {
  return name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
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
  const held: { path: string; header: Header }[] = [];

  input.on("entry", (header, stream, next) => {
    const path = entryPath(header.name);
    while (held.length > 0 && !path.startsWith(`${held[held.length - 1]!.path}/`)) held.pop();
    if (path === "" || !keeps(path)) {
      if (path !== "" && header.type === "directory") held.push({ path, header });
      stream.on("end", () => next());
      stream.resume();
      return;
    }
    for (const dir of held.splice(0)) output.entry(dir.header);
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
