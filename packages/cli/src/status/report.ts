import { durables } from "@slipway/events";
import { statusColor, type Palette } from "../output/color.js";
import { bytes, count } from "../output/numbers.js";
import { table } from "../output/table.js";
import { relativeTime } from "../output/time.js";
import { StoreKind, type BusFacts, type ConsumerFacts } from "./collect.js";
import type { ServiceState } from "./probes.js";

/** Services without an HTTP port, known by the consumer they pull from. */
export const PULLING_SERVICES = [
  { service: "git-sync", consumer: durables.gitSync, optional: false },
  { service: "builder", consumer: durables.builders, optional: false },
  // Runs only with a GitHub token; its consumer stays on the server after it is turned off.
  { service: "github-status", consumer: durables.githubStatus, optional: true },
] as const;

const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/**
 * A pulling service's state from its consumer: pull requests waiting are free slots of running
 * processes; messages in hand mean one is at work; neither, while messages wait, means no one runs.
 */
export function pullingState(service: string, consumerName: string, c: ConsumerFacts | undefined, optional: boolean): ServiceState {
  const where = `consumer ${consumerName}`;
  if (c === undefined) {
    return optional
      ? { name: service, state: "off", ok: true, where, detail: "no consumer: it never ran on this NATS" }
      : { name: service, state: "down", ok: false, where, detail: "no consumer: it never started on this NATS" };
  }
  const detail = `${plural(c.pending, "message")} pending, ${count(c.ackPending)} in hand, ${plural(c.waiting, "pull")} waiting`;
  if (c.waiting > 0) return { name: service, state: c.ackPending > 0 ? "busy" : "up", ok: true, where, detail };
  if (c.ackPending > 0) return { name: service, state: "busy", ok: true, where, detail: `${detail} (every slot busy)` };
  if (optional) return { name: service, state: "off", ok: true, where, detail: `${detail}: not running` };
  return { name: service, state: "down", ok: false, where, detail: `${detail}: no process is pulling` };
}

export type StatusReport = {
  /** Everything answered and nothing lags: exit 0. */
  ok: boolean;
  problems: string[];
  nats: { url: string; server: BusFacts["server"] };
  services: ServiceState[];
  streams: BusFacts["streams"];
  consumers: BusFacts["consumers"];
};

export function statusReport(natsUrl: string, bus: BusFacts, services: ServiceState[]): StatusReport {
  const problems = services.filter((s) => !s.ok).map((s) => `${s.name} ${s.state}: ${s.detail}`);
  return { ok: problems.length === 0, problems, nats: { url: natsUrl, server: bus.server }, services, streams: bus.streams, consumers: bus.consumers };
}

/** The report for people: small sections of aligned columns, problems last. */
export function renderStatus(r: StatusReport, p: Palette, nowMs: number): string {
  const out: string[] = [];
  const server = [r.nats.server.version && `nats-server ${r.nats.server.version}`, r.nats.server.name].filter(Boolean).join(", ");
  out.push(`${p.bold("NATS")} ${r.nats.url}${server ? ` (${server})` : ""}\n`);

  out.push(p.bold("SERVICES"));
  out.push(table(["NAME", "STATE", "WHERE", "DETAIL"], r.services.map((s) => [s.name, statusColor(p, s.state), s.where, s.detail])));

  const streams = r.streams.filter((s) => s.kind === StoreKind.stream);
  out.push(p.bold("STREAMS"));
  out.push(
    table(
      ["NAME", "MESSAGES", "BYTES", "FIRST", "LAST", "CONSUMERS"],
      streams.map((s) => [s.name, count(s.messages), bytes(s.bytes), String(s.firstSeq), String(s.lastSeq), String(s.consumers)]),
      new Set([1, 2, 3, 4, 5]),
    ),
  );

  out.push(p.bold("CONSUMERS"));
  out.push(
    r.consumers.length === 0
      ? "none\n"
      : table(
          ["STREAM", "NAME", "SERVICE", "PENDING", "IN HAND", "REDELIVERED", "WAITING", "DELIVERED", "ACK FLOOR", "LAST ACTIVE"],
          r.consumers.map((c) => [
            c.stream,
            c.durable ? c.name : p.dim(c.name.slice(0, 12)),
            c.service,
            c.pending > 0 ? p.yellow(count(c.pending)) : "0",
            count(c.ackPending),
            count(c.redelivered),
            count(c.waiting),
            String(c.deliveredSeq),
            String(c.ackFloorSeq),
            relativeTime(c.lastActive, nowMs),
          ]),
          new Set([3, 4, 5, 6, 7, 8]),
        ),
  );

  const kv = r.streams.filter((s) => s.kind === StoreKind.kv);
  out.push(p.bold("KV BUCKETS"));
  out.push(kv.length === 0 ? "none\n" : table(["NAME", "KEYS", "BYTES"], kv.map((s) => [s.name, count(s.subjects ?? s.messages), bytes(s.bytes)]), new Set([1, 2])));

  const objects = r.streams.filter((s) => s.kind === StoreKind.objectStore);
  if (objects.length > 0) {
    out.push(p.bold("OBJECT STORES"));
    out.push(table(["NAME", "CHUNKS", "BYTES"], objects.map((s) => [s.name, count(s.messages), bytes(s.bytes)]), new Set([1, 2])));
  }

  out.push(r.ok ? p.green("everything answered; nothing lags") : `${p.red("problems:")}\n${r.problems.map((x) => `  ${x}`).join("\n")}`);
  return out.join("\n") + "\n";
}
