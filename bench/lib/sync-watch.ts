/**
 * git-sync on its own: publishes `WebhookReceived` as ingress does (same id and links) and
 * watches `ci.repo.>` with a plain subscription for the `RepoUpdated` / `RepoSyncFailed` each
 * delivery ends in, keeping when it arrived here.
 */
import { randomUUID } from "node:crypto";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { decodeEvent, eventIds, publishEvent, type Event } from "@slipway/events";

/** How one delivery ended, as seen here; times are performance.now(). */
export type SyncOutcome = {
  deliveryId: string;
  repo: string;
  /** When the publish was called (the webhook "arrives"). */
  sentAt: number;
  /** When JetStream acked it (ingress would answer 200 now). */
  storedAt: number;
  /** When RepoUpdated or RepoSyncFailed arrived. */
  doneAt: number;
  /** doneAt - sentAt. */
  ms: number;
  /** RepoUpdated's sha, context object and its size; null when the sync failed. */
  updated: { sha: string; contextObject: string; contextBytes: number } | null;
  failure: { code: string; message: string } | null;
};

type Pending = { repo: string; sentAt: number; storedAt: number };

export class SyncBench {
  private readonly pending = new Map<string, Pending>();
  private readonly done = new Map<string, SyncOutcome>();
  private readonly waiters = new Set<() => void>();
  /** Messages on `ci.repo.>` that did not decode (should stay 0). */
  undecodable = 0;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly sub: Subscription,
  ) {}

  static async start(natsUrl: string): Promise<SyncBench> {
    const nc = await connect({ servers: natsUrl, name: "slipway-bench-git-sync" });
    const sub = nc.subscribe("ci.repo.>");
    const bench = new SyncBench(nc, jetstream(nc), sub);
    void (async () => {
      for await (const m of sub) {
        const now = performance.now();
        let event: Event;
        try {
          event = decodeEvent(m.data);
        } catch {
          bench.undecodable++;
          continue;
        }
        bench.apply(event, now);
      }
    })();
    await nc.flush();
    return bench;
  }

  private apply(event: Event, now: number): void {
    if (event.type !== "RepoUpdated" && event.type !== "RepoSyncFailed") return;
    const id = event.data.deliveryId;
    const p = this.pending.get(id);
    if (!p || this.done.has(id)) return;
    const outcome: SyncOutcome = {
      deliveryId: id,
      repo: p.repo,
      sentAt: p.sentAt,
      storedAt: p.storedAt,
      doneAt: now,
      ms: now - p.sentAt,
      updated: event.type === "RepoUpdated" ? { sha: event.data.sha, contextObject: event.data.contextObject, contextBytes: event.data.contextBytes } : null,
      failure: event.type === "RepoSyncFailed" ? { code: event.data.code, message: event.data.message } : null,
    };
    this.done.set(id, outcome);
    for (const wake of [...this.waiters]) wake();
  }

  /** Publishes a push of `sha` to `master` of `bench/<name>`, as ingress would; resolves with its delivery id once stored. */
  async push(name: string, sha: string): Promise<string> {
    const deliveryId = randomUUID();
    const sentAt = performance.now();
    // Registered before the publish: a fast git-sync could answer before the ack is back.
    const entry: Pending = { repo: name, sentAt, storedAt: NaN };
    this.pending.set(deliveryId, entry);
    await publishEvent(
      this.js,
      "WebhookReceived",
      {
        deliveryId,
        source: "push",
        repo: { key: `bench/${name}`, name, owner: "bench" },
        ref: "refs/heads/master",
        branch: "master",
        requestedSha: sha,
        defaultBranch: "master",
        pusher: "bench",
      },
      { id: eventIds.webhookReceived(deliveryId), correlationId: deliveryId, causationId: null },
    );
    entry.storedAt = performance.now();
    return deliveryId;
  }

  /** Resolves when every delivery has its outcome; rejects after `timeoutMs`, naming the ones still open. */
  wait(deliveryIds: string[], timeoutMs: number): Promise<SyncOutcome[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (deliveryIds.every((id) => this.done.has(id))) finish(null);
      };
      const timer = setTimeout(() => {
        const open = deliveryIds.filter((id) => !this.done.has(id)).map((id) => this.pending.get(id)?.repo ?? id);
        finish(new Error(`timed out after ${timeoutMs / 1000} s waiting for git-sync: ${open.length} open (${open.join(", ")})`));
      }, timeoutMs);
      const finish = (err: Error | null) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve(deliveryIds.map((id) => this.done.get(id)!));
      };
      this.waiters.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    this.sub.unsubscribe();
    await this.nc.close();
  }
}

/** Throws unless every outcome is a RepoUpdated (of `shas[i]` when given). */
export function assertUpdated(outcomes: SyncOutcome[], shas?: string[]): void {
  const bad = outcomes.flatMap((o, i) => {
    if (o.failure) return [`${o.repo}: RepoSyncFailed ${o.failure.code}: ${o.failure.message}`];
    const want = shas?.[i];
    if (want && o.updated?.sha !== want) return [`${o.repo}: RepoUpdated for ${o.updated?.sha}, pushed ${want}`];
    return [];
  });
  if (bad.length > 0) throw new Error(`git-sync: ${bad.join("; ")}`);
}
