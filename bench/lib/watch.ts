/**
 * Watches the system's events with a plain NATS subscription (as `nats sub 'ci.>'` would) and
 * keeps, per build, when each phase event arrived here. A push is done when its build's
 * `ImagePushed` (every tag pushed) or `BuildFailed` has arrived.
 */
import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { decodeEvent, type Event } from "@slipway/events";

export type Phase = "webhook" | "synced" | "queued" | "started" | "built" | "pushed" | "failed";

export type BuildRecord = {
  buildId: string;
  repoName: string;
  sha: string;
  /** `registry/name`, as queued. */
  image: string;
  tags: string[];
  buildNumber: number;
  /** Who built it: `host:pid`. */
  builder: string | null;
  /** Date.now() when each phase's first event arrived here. */
  at: Partial<Record<Phase, number>>;
  failure: { stage: string; code: string; message: string } | null;
};

type Key = `${string}@${string}`;
const key = (repoName: string, sha: string): Key => `${repoName}@${sha}`;

export class BuildWatcher {
  readonly builds = new Map<string, BuildRecord>();
  /** Receive times of WebhookReceived / RepoUpdated per repo name (the latest). */
  private readonly repoAt = new Map<string, Partial<Record<Phase, number>>>();
  private readonly syncFailures = new Map<string, string>();
  private readonly byPush = new Map<Key, string>();
  private readonly pending = new Set<() => void>();
  /** Messages that did not decode as events (should stay 0). */
  undecodable = 0;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly subs: Subscription[],
  ) {}

  static async start(natsUrl: string): Promise<BuildWatcher> {
    const nc = await connect({ servers: natsUrl });
    const subs = [nc.subscribe("ci.build.>"), nc.subscribe("ci.repo.>"), nc.subscribe("ci.webhook.>")];
    const watcher = new BuildWatcher(nc, subs);
    for (const sub of subs) {
      void (async () => {
        for await (const m of sub) {
          const now = Date.now();
          let event: Event;
          try {
            event = decodeEvent(m.data);
          } catch {
            watcher.undecodable++;
            continue;
          }
          watcher.apply(event, now);
        }
      })();
    }
    // The subscriptions are registered on the server once a round trip has passed.
    await nc.flush();
    return watcher;
  }

  private apply(event: Event, now: number): void {
    const first = (at: Partial<Record<Phase, number>>, phase: Phase) => (at[phase] ??= now);
    switch (event.type) {
      case "WebhookReceived":
        this.repoAt.set(event.data.repo.name, { webhook: now });
        break;
      case "RepoUpdated":
        first(this.repoAt.get(event.data.repo.name) ?? {}, "synced");
        break;
      case "RepoSyncFailed":
        this.syncFailures.set(event.data.repo.name, `${event.data.code}: ${event.data.message}`);
        break;
      case "BuildQueued": {
        const d = event.data;
        if (!this.builds.has(d.buildId)) {
          const repo = this.repoAt.get(d.repo.name) ?? {};
          this.builds.set(d.buildId, {
            buildId: d.buildId,
            repoName: d.repo.name,
            sha: d.sha,
            image: d.image,
            tags: [...d.tags],
            buildNumber: d.buildNumber,
            builder: null,
            at: { ...repo, queued: now },
            failure: null,
          });
          this.byPush.set(key(d.repo.name, d.sha), d.buildId);
        }
        break;
      }
      case "BuildStarted": {
        const b = this.builds.get(event.data.buildId);
        if (b) {
          first(b.at, "started");
          b.builder ??= event.data.builder;
        }
        break;
      }
      case "ImageBuilt": {
        const b = this.builds.get(event.data.buildId);
        if (b) first(b.at, "built");
        break;
      }
      case "ImagePushed": {
        const b = this.builds.get(event.data.buildId);
        if (b) {
          first(b.at, "pushed");
          b.tags = [...event.data.tags];
        }
        break;
      }
      case "BuildFailed": {
        const b = this.builds.get(event.data.buildId);
        if (b) {
          first(b.at, "failed");
          b.failure ??= { stage: event.data.stage, code: event.data.code, message: event.data.message };
        }
        break;
      }
      default:
        break;
    }
    for (const wake of [...this.pending]) wake();
  }

  /** The build of a push (the bench repos have one Dockerfile each), once queued. */
  build(repoName: string, sha: string): BuildRecord | undefined {
    const id = this.byPush.get(key(repoName, sha));
    return id === undefined ? undefined : this.builds.get(id);
  }

  /**
   * Resolves when every push has a finished build (pushed or failed), with those builds; rejects
   * when a push's sync failed or after `timeoutMs`, naming the pushes still open.
   */
  waitFor(pushes: { name: string; sha: string }[], timeoutMs: number): Promise<BuildRecord[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const p of pushes) {
          const failed = this.syncFailures.get(p.name);
          if (failed && !this.build(p.name, p.sha)) return done(new Error(`${p.name}@${p.sha}: sync failed: ${failed}`));
        }
        const builds = pushes.map((p) => this.build(p.name, p.sha));
        if (builds.every((b) => b && (b.at.pushed !== undefined || b.at.failed !== undefined))) return done(null, builds as BuildRecord[]);
      };
      const timer = setTimeout(() => {
        const open = pushes.filter((p) => {
          const b = this.build(p.name, p.sha);
          return !b || (b.at.pushed === undefined && b.at.failed === undefined);
        });
        done(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${open.length} build(s): ${open.map((p) => `${p.name} (${describe(this.build(p.name, p.sha))})`).join(", ")}`));
      }, timeoutMs);
      const done = (err: Error | null, builds?: BuildRecord[]) => {
        clearTimeout(timer);
        this.pending.delete(check);
        if (err) reject(err);
        else resolve(builds!);
      };
      this.pending.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    await this.nc.close();
  }
}

function describe(b: BuildRecord | undefined): string {
  if (!b) return "not queued";
  const phases = (["queued", "started", "built", "pushed", "failed"] as const).filter((p) => b.at[p] !== undefined);
  return phases.at(-1) ?? "?";
}
