/**
 * Follows build logs live with a plain NATS subscription on `ci.log.>`: decodes each
 * `BuildLogChunk`, checks chunk order (seq, offset), feeds the text to a line checker and records,
 * per numbered line, how long after the container printed it the line arrived here.
 */
import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { decodeEvent } from "@slipway/events";
import { LineChecker, type LineReport } from "./log-lines.js";

export type ChunkReport = {
  chunks: number;
  bytes: number;
  /** Chunks repeated (a seq already seen: a publish retried). */
  duplicates: number;
  /** Chunks whose seq skipped ahead, or whose offset did not continue the text. */
  gaps: number;
  attempts: number[];
};

type Followed = {
  checker: LineChecker;
  lagsMs: number[];
  /** Arrival time of the chunk being read: every line completed by it arrived then. */
  arrivedAt: number;
  nextSeq: number;
  nextOffset: number;
  attempt: number;
  chunks: ChunkReport;
};

export class LogWatcher {
  private readonly builds = new Map<string, Followed>();
  undecodable = 0;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly sub: Subscription,
    private readonly expectedLines: number,
    private readonly padding: number,
  ) {}

  static async start(natsUrl: string, expectedLines: number, padding: number): Promise<LogWatcher> {
    const nc = await connect({ servers: natsUrl });
    const sub = nc.subscribe("ci.log.>");
    const watcher = new LogWatcher(nc, sub, expectedLines, padding);
    void (async () => {
      for await (const m of sub) watcher.receive(m.data, Date.now());
    })();
    await nc.flush();
    return watcher;
  }

  private receive(body: Uint8Array, now: number): void {
    let event;
    try {
      event = decodeEvent(body);
    } catch {
      this.undecodable++;
      return;
    }
    if (event.type !== "BuildLogChunk") return;
    const c = event.data;
    let f = this.builds.get(c.buildId);
    if (!f) {
      const lagsMs: number[] = [];
      const followed: Followed = {
        checker: new LineChecker(this.expectedLines, this.padding, (stampMs) => lagsMs.push(followed.arrivedAt - stampMs)),
        lagsMs,
        arrivedAt: now,
        nextSeq: 0,
        nextOffset: 0,
        attempt: c.attempt,
        chunks: { chunks: 0, bytes: 0, duplicates: 0, gaps: 0, attempts: [c.attempt] },
      };
      f = followed;
      this.builds.set(c.buildId, f);
    }
    if (c.attempt !== f.attempt) {
      // A new attempt starts its log over.
      f.chunks.attempts.push(c.attempt);
      f.attempt = c.attempt;
      f.nextSeq = 0;
      f.nextOffset = 0;
    }
    if (c.seq < f.nextSeq) {
      f.chunks.duplicates++;
      return;
    }
    if (c.seq > f.nextSeq || c.offset !== f.nextOffset) f.chunks.gaps++;
    f.nextSeq = c.seq + 1;
    f.nextOffset = c.offset + Buffer.byteLength(c.text, "utf8");
    f.chunks.chunks++;
    f.chunks.bytes += Buffer.byteLength(c.text, "utf8");
    f.arrivedAt = now;
    f.checker.push(c.text);
  }

  /** Whether the last numbered line of a build has arrived. */
  done(buildId: string): boolean {
    return (this.builds.get(buildId)?.checker.lastNumber ?? -1) >= this.expectedLines - 1;
  }

  report(buildId: string): { lines: LineReport; chunks: ChunkReport; lagsMs: number[] } | null {
    const f = this.builds.get(buildId);
    return f ? { lines: f.checker.result(), chunks: { ...f.chunks }, lagsMs: f.lagsMs } : null;
  }

  async close(): Promise<void> {
    this.sub.unsubscribe();
    await this.nc.close();
  }
}
