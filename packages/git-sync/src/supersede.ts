import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { eventIds, publishEvent, readBuildRecord, stableId, type Event } from "@slipway/events";
import type { Logger } from "@slipway/service-kit";

/** KV bucket: the newest queued build of each repo, branch and Dockerfile. */
export const LATEST_BUILDS_BUCKET = "latest-builds";

type Latest = { buildId: string; buildNumber: number };

function parse(value: string): Latest | null {
  try {
    const v: unknown = JSON.parse(value);
    if (typeof v !== "object" || v === null) return null;
    const { buildId, buildNumber } = v as Record<string, unknown>;
    return typeof buildId === "string" && typeof buildNumber === "number" ? { buildId, buildNumber } : null;
  } catch {
    return null;
  }
}

export type SupersedeDeps = { js: JetStreamClient; jsm: JetStreamManager; latest: KV; logger: Logger };

/**
 * With `SLIPWAY_AUTO_CANCEL_SUPERSEDED`: after a push's build is queued, the older build of the same
 * repo, branch and Dockerfile, if still unfinished, gets a `BuildCancelRequested` (by `slipway`).
 * The request's id derives from both builds, so a redelivered webhook asks once; it is published
 * before the newest build is recorded, so a crash in between cannot lose it.
 */
export async function cancelSuperseded(deps: SupersedeDeps, queued: Event<"BuildQueued">): Promise<void> {
  const q = queued.data;
  if (q.branch === null) return;
  const key = `s.${stableId(q.repo.key, q.branch, q.dockerfile)}`;
  for (let tries = 0; tries < 20; tries++) {
    const entry = await deps.latest.get(key);
    const previous = entry && entry.operation === "PUT" ? parse(entry.string()) : null;
    // A newer push got here first (pushes synced out of order), or this is a redelivery.
    if (previous && (previous.buildNumber > q.buildNumber || previous.buildId === q.buildId)) return;
    if (previous) {
      const record = await readBuildRecord(deps.jsm, previous.buildId);
      if (record.terminal === null && record.cancelRequest === null) {
        const reason = `superseded by build #${q.buildNumber} (${q.buildId}) of ${q.branch}`;
        await publishEvent(deps.js, "BuildCancelRequested", { buildId: previous.buildId, requestedBy: "slipway", reason }, {
          id: eventIds.cancelRequested(previous.buildId, `superseded-by-${q.buildId}`),
          correlationId: queued.correlationId,
          causationId: queued.id,
        });
        deps.logger.info({ buildId: previous.buildId, supersededBy: q.buildId }, "superseded build: cancel requested");
      }
    }
    const value = JSON.stringify({ buildId: q.buildId, buildNumber: q.buildNumber } satisfies Latest);
    try {
      if (entry) await deps.latest.update(key, value, entry.revision);
      else await deps.latest.create(key, value);
      return;
    } catch {
      // Another git-sync recorded a build meanwhile: look again.
    }
  }
}
