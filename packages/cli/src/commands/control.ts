import type { Context } from "../context.js";
import { ExitCode, UsageError } from "../errors.js";
import { apiProblem, refusal } from "../http.js";

/** What ingress answers (202) to a control request; the fields beyond `message` depend on the route. */
type Accepted = { status: "accepted"; message: string; deliveryId?: string; buildId?: string; retryOf?: string; requestId?: string };

/**
 * One build control request, on the projector's URL: the projector forwards these routes to
 * ingress as they are (Node's fetch refuses ingress's port 6000, and one URL is simpler anyway).
 */
async function control(ctx: Context, path: string, body: unknown): Promise<Accepted> {
  const res = await ctx.api.request("POST", path, { body, asUser: true });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A proxy's error page: the status says enough.
  }
  // Ingress is behind the projector here: the projector answering for it means ingress did not.
  if (res.status === 502 || res.status === 504) {
    throw new UsageError(`the projector at ${ctx.api.url} could not reach ingress for ${path} (${res.status}: ${apiProblem(parsed, res.status).message}): is ingress running?`);
  }
  if (res.status !== 202 && res.status !== 200) throw refusal(ctx.api.url, "POST", path, res.status, parsed);
  return parsed as Accepted;
}

function report(ctx: Context, answer: Accepted, hint: string | null): number {
  if (ctx.config.json) {
    ctx.out(`${JSON.stringify(answer)}\n`);
    return ExitCode.ok;
  }
  ctx.out(`${answer.message}\n`);
  if (hint) ctx.err(ctx.palette.dim(`${hint}\n`));
  return ExitCode.ok;
}

export type TriggerOptions = { sha?: string };

/** `slipway trigger <repo> <ref>`: POST /builds, a build by hand (a push without a push). */
export async function trigger(ctx: Context, repo: string, ref: string, o: TriggerOptions): Promise<number> {
  const answer = await control(ctx, "/builds", { repo, ref, ...(o.sha ? { sha: o.sha } : {}) });
  return report(ctx, answer, answer.deliveryId ? `its builds, once queued: slipway builds --delivery ${answer.deliveryId}` : null);
}

/** `slipway retry <id>`: the same commit, Dockerfile and tags again, under a new build id. */
export async function retry(ctx: Context, buildId: string): Promise<number> {
  const answer = await control(ctx, `/builds/${encodeURIComponent(buildId)}/retry`, undefined);
  return report(ctx, answer, answer.buildId ? `follow it: slipway logs -f ${answer.buildId}` : null);
}

export type CancelOptions = { reason?: string };

/** `slipway cancel <id>`: asks the builder holding it to stop (a queued build is dropped). */
export async function cancel(ctx: Context, buildId: string, o: CancelOptions): Promise<number> {
  const answer = await control(ctx, `/builds/${encodeURIComponent(buildId)}/cancel`, o.reason === undefined ? {} : { reason: o.reason });
  return report(ctx, answer, `its end: slipway logs -f ${buildId}`);
}
