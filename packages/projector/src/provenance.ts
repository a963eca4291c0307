import type { Event } from "@slipway/events";
import type { ViewAt } from "./projection-state.js";
import { toSummary } from "./view-queries.js";
import type { AppliedEvent, BuildSummary } from "./read-model.js";

/** Reads one event of CI_EVENTS by sequence; null when the stream no longer has it (limits). */
export type EventAt = (seq: number) => Promise<Event | null>;

/** One link of the chain: what the view recorded, and the event itself from the stream. */
export type ChainLink = AppliedEvent & { event: Event | null };

/** How one build made the image: the build, the commit, the push, its log, and every event on the way. */
export type ProvenanceEntry = {
  build: BuildSummary;
  commit: { repo: string; sha: string; branch: string | null };
  /** The webhook delivery; null fields where the view never saw its WebhookReceived. */
  push: { deliveryId: string; ref: string | null; pusher: string | null; receivedAt: string | null };
  /** The build's log (`GET` it from this API). */
  log: string;
  /** The delivery's events, then the build's, in stream order (each read from the stream). */
  chain: ChainLink[];
};

/** `GET /provenance`: usually one entry; several when builds pushed the very same image. */
export type Provenance = { image: string; digest: string; builds: ProvenanceEntry[] };

export const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** `registry/name:tag` -> `registry/name` (the view keeps image names without tags). */
export function imageName(image: string): string {
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  return colon > slash ? image.slice(0, colon) : image;
}

/** What the view knows of the builds that pushed `image` at `digest` (read synchronously, at one point). */
export function provenanceRecords(view: ViewAt, image: string, digest: string) {
  return view.queries.buildsByDigest(imageName(image), digest).map((build) => ({ build, delivery: view.getDelivery(build.deliveryId) }));
}

/** Fills in the chains from the stream. */
export async function withChains(image: string, digest: string, records: ReturnType<typeof provenanceRecords>, eventAt: EventAt): Promise<Provenance> {
  const builds = await Promise.all(
    records.map(async ({ build, delivery }): Promise<ProvenanceEntry> => {
      const applied = [...(delivery?.events ?? []), ...build.events].sort((a, b) => a.seq - b.seq);
      const chain = await Promise.all(applied.map(async (link) => ({ ...link, event: await eventAt(link.seq) })));
      return {
        build: toSummary(build),
        commit: { repo: build.repo, sha: build.sha, branch: build.branch },
        push: { deliveryId: build.deliveryId, ref: delivery?.ref ?? null, pusher: delivery?.pusher ?? null, receivedAt: delivery?.receivedAt ?? null },
        log: `/builds/${build.id}/log`,
        chain,
      };
    }),
  );
  return { image: imageName(image), digest, builds };
}
