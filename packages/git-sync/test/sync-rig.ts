import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeEvent, eventIds, publishEvent, type Event, type WebhookReceived } from "@slipway/events";
import { startService, type RunningService, type TestBus } from "@slipway/test-kit";

/** One line of the service's JSON log. */
export type LogLine = { level: number; msg: string; code?: string; attempt?: number; retryInMs?: number; time: number; id?: string; deliveryId?: string } & Record<string, unknown>;

/** One git-sync process on a suite's NATS, with every event it publishes and every line it logs. */
export type SyncRig = {
  service: RunningService;
  dataDir: string;
  /** Publishes a push webhook of repository `name` (no owner); resolves with its event id. */
  send(deliveryId: string, name: string, requestedSha?: string): Promise<string>;
  /** The first event of the delivery of this type, waiting up to `timeoutMs`. */
  waitFor<T extends Event["type"]>(deliveryId: string, type: T, timeoutMs?: number): Promise<Extract<Event, { type: T }>>;
  events(deliveryId: string): Event[];
  logs(): LogLine[];
  stop(): Promise<void>;
};

export const INFO = 30;
export const WARN = 40;

/** Starts git-sync on a suite's bus (`withJetStream`); the bus stops it and removes `dataDir` before NATS. */
export async function startSyncRig(bus: TestBus, gitUrl: string, env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), "slipway-gs-"))): Promise<SyncRig> {
  const service = await startService("git-sync", { SLIPWAY_NATS_URL: bus.nats.url, SLIPWAY_GIT_URL: gitUrl, SLIPWAY_GIT_DATA: dataDir, SLIPWAY_REGISTRY: "registry.test:5000", ...env });
  const seen: Event[] = [];
  const sub = bus.nc.subscribe("ci.>", { callback: (_err, m) => void seen.push(decodeEvent(m.data)) });
  const events = (deliveryId: string) => seen.filter((e) => e.correlationId === deliveryId);

  const rig: SyncRig = {
    service,
    dataDir,
    events,
    async send(deliveryId, name, requestedSha = "test") {
      const data: WebhookReceived = { deliveryId, source: "manual", repo: { key: name, name, owner: null }, ref: "refs/heads/master", branch: "master", requestedSha, defaultBranch: null, pusher: null };
      const id = eventIds.webhookReceived(deliveryId);
      await publishEvent(bus.js, "WebhookReceived", data, { id, correlationId: deliveryId, causationId: null });
      return id;
    },
    async waitFor(deliveryId, type, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const found = events(deliveryId).find((e): e is Extract<Event, { type: typeof type }> => e.type === type);
        if (found) return found;
        if (Date.now() > end) throw new Error(`no ${type} for ${deliveryId} within ${timeoutMs} ms; saw ${events(deliveryId).map((e) => e.type).join(",")}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    logs() {
      return service.output().split("\n").flatMap((line) => {
        try {
          const parsed: unknown = JSON.parse(line);
          return typeof parsed === "object" && parsed !== null && "msg" in parsed ? [parsed as LogLine] : [];
        } catch {
          return [];
        }
      });
    },
    async stop() {
      sub.unsubscribe();
      await service.stop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return bus.own(rig);
}
