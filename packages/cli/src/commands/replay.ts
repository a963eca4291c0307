import type { Context } from "../context.js";
import { UsageError } from "../errors.js";

export type ReplayOptions = { to?: string; out?: string; serve?: number };

/**
 * `slipway replay`: the projector's own replay command (`npm run replay`), same rules and output.
 * Loaded only here: the projector's modules (SQLite, fastify) would slow every other command.
 */
export async function replay(ctx: Context, o: ReplayOptions): Promise<number> {
  const projector = await import("@slipway/projector");
  try {
    let to = null;
    if (o.to !== undefined) {
      const at = projector.parseAsOf({ asOf: o.to });
      if (!at.ok) throw new UsageError(`--to: ${at.message.replace(/^asOf/, "it")}`);
      to = at.value;
    }
    if (o.out === undefined) {
      if (to !== null) throw new UsageError("--to needs --out: the live view always replays to the end of the stream (builds --as-of looks at the past)");
      if (o.serve !== undefined) throw new UsageError("--serve needs --out");
      return await projector.replayLive({ url: ctx.api.url, token: ctx.config.token(), json: ctx.config.json });
    }
    return await projector.replayIntoFolder({ dir: o.out, to, serve: o.serve ?? null, json: ctx.config.json, natsUrl: ctx.config.natsUrl });
  } catch (err) {
    // The projector's own usage errors (no projector, no token, a view already there): exit 2 here too.
    if (err instanceof projector.UsageError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}
