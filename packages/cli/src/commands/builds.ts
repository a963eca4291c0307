import type { BuildPage } from "@slipway/projector";
import type { Context } from "../context.js";
import { ExitCode } from "../errors.js";
import { buildTable } from "../output/build-table.js";

export type BuildsOptions = {
  repo?: string;
  status?: string;
  branch?: string;
  sha?: string;
  delivery?: string;
  limit?: number;
  asOf?: string;
  all?: boolean;
};

export const DEFAULT_BUILDS = 20;
/** The API's largest page: `--all` walks the list in as few requests as it can. */
export const PAGE_MAX = 1000;
const AS_OF_HEADER = "slipway-as-of-seq";

/** `slipway builds`: GET /builds with the filters, one page or (`--all`) every page. */
export async function builds(ctx: Context, o: BuildsOptions): Promise<number> {
  const query = {
    repo: o.repo,
    status: o.status,
    branch: o.branch,
    sha: o.sha,
    delivery: o.delivery,
    asOf: o.asOf,
    limit: String(o.all ? PAGE_MAX : (o.limit ?? DEFAULT_BUILDS)),
  };
  let page = await ctx.api.json<BuildPage>("GET", "/builds", { query });
  const asOfSeq = page.headers.get(AS_OF_HEADER);
  const all = [...page.body.builds];
  // A cursor names a place in the order, so builds queued meanwhile never shift the walk.
  while (o.all && page.body.nextCursor !== null) {
    page = await ctx.api.json<BuildPage>("GET", "/builds", { query: { ...query, cursor: page.body.nextCursor } });
    all.push(...page.body.builds);
  }
  const nextCursor = o.all ? null : page.body.nextCursor;

  if (ctx.config.json) {
    ctx.out(`${JSON.stringify({ builds: all, nextCursor })}\n`);
    return ExitCode.ok;
  }
  if (asOfSeq !== null) ctx.err(`as of stream sequence ${asOfSeq}\n`);
  if (all.length === 0) {
    ctx.err("no builds match\n");
    return ExitCode.ok;
  }
  ctx.out(buildTable(all, ctx.now(), ctx.palette));
  if (nextCursor !== null) ctx.err(ctx.palette.dim(`(${all.length} shown, more match: --all for every one, or --limit up to ${PAGE_MAX})\n`));
  return ExitCode.ok;
}
