import { jetstreamManager } from "@nats-io/jetstream";
import type { Context } from "../context.js";
import { ExitCode, UsageError } from "../errors.js";
import { connectNats } from "../nats.js";
import { collectBus, recheckIdle } from "../status/collect.js";
import { probeIngress, probeProjector } from "../status/probes.js";
import { PULLING_SERVICES, pullingState, renderStatus, statusReport } from "../status/report.js";

/**
 * `slipway status`: services, stream sizes, consumer lag. Exit 0 when everything answered and
 * nothing lags, 1 when a service is down or lagging, 2 when NATS does not answer.
 */
export async function status(ctx: Context): Promise<number> {
  const nc = await connectNats(ctx.config.natsUrl, "slipway-status");
  try {
    const jsm = await jetstreamManager(nc).catch((err: Error) => {
      throw new UsageError(`NATS at ${ctx.config.natsUrl} answers without JetStream (${err.message}): is it slipway's server?`, { cause: err });
    });
    const [bus, projector, ingress] = await Promise.all([
      collectBus(nc, jsm),
      probeProjector(ctx.config.projectorUrl, ctx.config.token()),
      probeIngress(ctx.config.ingressUrl),
    ]);
    const pulling = await Promise.all(
      PULLING_SERVICES.map(async (s) => {
        const found = bus.consumers.find((c) => c.durable && c.stream === s.consumer.stream && c.name === s.consumer.name);
        const consumer = found ? await recheckIdle(jsm, found) : undefined;
        return pullingState(s.service, s.consumer.name, consumer, s.optional);
      }),
    );
    const { readiness: _readiness, ...projectorState } = projector;
    const report = statusReport(ctx.config.natsUrl, bus, [projectorState, ingress, ...pulling]);
    ctx.out(ctx.config.json ? `${JSON.stringify({ ...report, projectorReadiness: projector.readiness })}\n` : renderStatus(report, ctx.palette, ctx.now()));
    return report.ok ? ExitCode.ok : ExitCode.failed;
  } finally {
    await nc.close().catch(() => undefined);
  }
}
