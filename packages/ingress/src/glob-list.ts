import picomatch from "picomatch";
import { ConfigError } from "@slipway/events";

/**
 * A comma-separated list of globs over branch or tag names, as CI filters read them: `*` stays
 * within one `/` segment, `**` crosses them (`release/**`), and a glob starting with `!` excludes
 * (`**,!wip/**`). A name is in the list when some plain glob matches and no `!` glob does.
 */
export type GlobList = { source: string; matches(name: string): boolean };

export function globList(setting: string, source: string): GlobList {
  const globs = source.split(",").map((g) => g.trim()).filter(Boolean);
  const include = globs.filter((g) => !g.startsWith("!"));
  const exclude = globs.filter((g) => g.startsWith("!")).map((g) => g.slice(1));
  if (include.length === 0) throw new ConfigError(`${setting}=${JSON.stringify(source)}: needs at least one glob that is not an exclusion (e.g. "**")`);
  const options = { dot: true, nonegate: true } as const;
  const included = picomatch(include, options);
  const excluded = exclude.length > 0 ? picomatch(exclude, options) : () => false;
  return { source, matches: (name) => included(name) && !excluded(name) };
}
