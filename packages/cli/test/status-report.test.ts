import { test } from "uvu";
import * as assert from "uvu/assert";
import { palette } from "../src/output/color.js";
import type { BusFacts, ConsumerFacts } from "../src/status/collect.js";
import { consumerOwner, projectorNames, type ConsumerRef } from "../src/status/owners.js";
import { pullingState, renderStatus, statusReport } from "../src/status/report.js";

const ref = (stream: string, name: string, durable = true): ConsumerRef => ({ stream, name, durable });

test("owners - each durable is labelled with the service that owns it", () => {
  const refs = [
    ref("CI_EVENTS", "git-sync"),
    ref("CI_EVENTS", "builders"),
    ref("CI_EVENTS", "github-status"),
    ref("CI_EVENTS", "projector"),
    ref("CI_LOGS", "projector-logs"),
    ref("CI_EVENTS", "replica-b"),
    ref("CI_LOGS", "replica-b-logs"),
    ref("CI_EVENTS", "someone-else"),
    ref("CI_LOGS", "lonely-logs"),
    ref("CI_LOGS", "Xk3Lq9", false),
    ref("CI_LOGS", "builders"),
  ];
  const names = projectorNames(refs);
  assert.equal([...names].sort(), ["projector", "replica-b"]);
  assert.equal(
    refs.map((r) => consumerOwner(r, names)),
    ["git-sync", "builder", "github-status", "projector", "projector", "projector replica-b", "projector replica-b", "?", "?", "ephemeral", "?"],
  );
});

const consumer = (fields: Partial<ConsumerFacts>): ConsumerFacts => ({
  stream: "CI_EVENTS",
  name: "builders",
  durable: true,
  service: "builder",
  pending: 0,
  ackPending: 0,
  redelivered: 0,
  waiting: 0,
  deliveredSeq: 10,
  ackFloorSeq: 10,
  lastActive: null,
  ...fields,
});

test("pulling services - waiting pulls mean running, messages in hand busy, neither down", () => {
  const state = (c: ConsumerFacts | undefined, optional = false) => {
    const s = pullingState("builder", "builders", c, optional);
    return `${s.state}/${s.ok}`;
  };
  assert.is(state(consumer({ waiting: 3 })), "up/true");
  assert.is(state(consumer({ waiting: 1, ackPending: 2 })), "busy/true");
  assert.is(state(consumer({ ackPending: 4, pending: 9 })), "busy/true");
  assert.is(state(consumer({ pending: 5 })), "down/false");
  assert.is(state(consumer({})), "down/false");
  assert.is(state(undefined), "down/false");
  assert.is(state(undefined, true), "off/true", "github-status runs only with a token");
  assert.is(state(consumer({ pending: 5 }), true), "off/true");
  assert.match(pullingState("builder", "builders", consumer({ pending: 5 }), false).detail, /5 messages pending, 0 in hand, 0 pulls waiting: no process is pulling/);
});

const BUS: BusFacts = {
  server: { name: "nats-1", version: "2.9.10" },
  streams: [
    { name: "CI_EVENTS", stream: "CI_EVENTS", kind: "stream", messages: 812, bytes: 1_258_291, firstSeq: 1, lastSeq: 812, subjects: 40, consumers: 3 },
    { name: "CI_LOGS", stream: "CI_LOGS", kind: "stream", messages: 40_211, bytes: 31_457_280, firstSeq: 1, lastSeq: 40_211, subjects: 12, consumers: 1 },
    { name: "build-numbers", stream: "KV_build-numbers", kind: "kv", messages: 12, bytes: 1200, firstSeq: 1, lastSeq: 30, subjects: 12, consumers: 0 },
    { name: "contexts", stream: "OBJ_contexts", kind: "object-store", messages: 340, bytes: 356_515_840, firstSeq: 1, lastSeq: 340, subjects: 20, consumers: 0 },
  ],
  consumers: [consumer({ waiting: 2 }), consumer({ name: "projector-logs", stream: "CI_LOGS", service: "projector", pending: 7, lastActive: "2026-11-26T11:59:48Z" })],
};

test("status report - sections with aligned columns; ok when every service is", () => {
  const services = [
    { name: "projector", state: "ready", ok: true, where: "http://127.0.0.1:5000", detail: "checkpoint 812" },
    { name: "builder", state: "up", ok: true, where: "consumer builders", detail: "2 pulls waiting" },
  ];
  const report = statusReport("nats://127.0.0.1:4222", BUS, services);
  assert.ok(report.ok);
  assert.equal(report.problems, []);
  const text = renderStatus(report, palette(false), Date.parse("2026-11-26T12:00:00Z"));
  assert.match(text, /^NATS nats:\/\/127\.0\.0\.1:4222 \(nats-server 2\.9\.10, nats-1\)\n/);
  assert.match(text, /\nSERVICES\nNAME\s+STATE\s+WHERE\s+DETAIL\nprojector\s+ready\s+http:\/\/127\.0\.0\.1:5000\s+checkpoint 812\n/);
  assert.match(text, /\nCI_EVENTS\s+812\s+1\.2 MiB\s+1\s+812\s+3\n/);
  assert.match(text, /\nCI_LOGS\s+40,211\s+30 MiB\s+1\s+40211\s+1\n/);
  assert.match(text, /\nCI_LOGS\s+projector-logs\s+projector\s+7\s+0\s+0\s+0\s+10\s+10\s+12 s ago\n/);
  assert.match(text, /\nKV BUCKETS\nNAME\s+KEYS\s+BYTES\nbuild-numbers\s+12\s+1\.2 KiB\n/);
  assert.match(text, /\nOBJECT STORES\nNAME\s+CHUNKS\s+BYTES\ncontexts\s+340\s+340 MiB\n/);
  assert.match(text, /everything answered; nothing lags\n$/);
});

test("status report - a service down or lagging is a problem, named at the end", () => {
  const services = [
    { name: "projector", state: "lagging", ok: false, where: "http://127.0.0.1:5000", detail: "events 5000 behind" },
    { name: "ingress", state: "down", ok: false, where: "http://127.0.0.1:6000", detail: "ECONNREFUSED" },
  ];
  const report = statusReport("nats://x", BUS, services);
  assert.not.ok(report.ok);
  assert.equal(report.problems, ["projector lagging: events 5000 behind", "ingress down: ECONNREFUSED"]);
  assert.match(renderStatus(report, palette(false), 0), /problems:\n  projector lagging: events 5000 behind\n  ingress down: ECONNREFUSED\n$/);
});

test.run();
