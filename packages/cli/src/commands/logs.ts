import type { Context } from "../context.js";
import { ExitCode } from "../errors.js";
import { refusal } from "../http.js";
import { followLog } from "../log-follow.js";
import { verdictLine } from "../output/verdict.js";

export type LogsOptions = { follow?: boolean };

/** `slipway logs <id>`: the log as the projector wrote it; `-f` live until the verdict. */
export async function logs(ctx: Context, buildId: string, o: LogsOptions): Promise<number> {
  if (o.follow) return follow(ctx, buildId);
  const path = `/builds/${encodeURIComponent(buildId)}/log`;
  const res = await ctx.api.request("GET", path);
  const text = await res.text();
  if (!res.ok) throw refusal(ctx.api.url, "GET", path, res.status, parseOrNull(text));
  ctx.out(ctx.config.json ? `${JSON.stringify({ buildId, log: text })}\n` : text);
  return ExitCode.ok;
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Exit code by verdict: 0 pushed, 1 failed or cancelled, 130 interrupted before it. */
async function follow(ctx: Context, buildId: string): Promise<number> {
  const json = ctx.config.json;
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  let endsWithNewline = true;
  try {
    const verdict = await followLog(
      ctx.api,
      buildId,
      {
        text(text, seq, attempt) {
          if (json) return ctx.out(`${JSON.stringify({ event: "log", seq, attempt, text })}\n`);
          ctx.out(text);
          if (text !== "") endsWithNewline = text.endsWith("\n");
        },
        restart(attempt) {
          if (json) return ctx.out(`${JSON.stringify({ event: "attempt", attempt })}\n`);
          // The log starts again (a builder died and another took the build): say so between the two.
          if (!endsWithNewline) ctx.out("\n");
          endsWithNewline = true;
          ctx.err(ctx.palette.yellow(`--- attempt ${attempt}: the build started again, its log restarts ---\n`));
        },
      },
      stop.signal,
    );
    if (json) ctx.out(`${JSON.stringify({ event: "verdict", verdict })}\n`);
    else {
      if (!endsWithNewline) ctx.out("\n");
      ctx.err(`${verdictLine(verdict, ctx.palette)}\n`);
    }
    return verdict.type === "ImagePushed" ? ExitCode.ok : ExitCode.failed;
  } catch (err) {
    if (!stop.signal.aborted) throw err;
    if (!json) ctx.err(`${endsWithNewline ? "" : "\n"}interrupted: build ${buildId} has no verdict yet\n`);
    return ExitCode.interrupted;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}
