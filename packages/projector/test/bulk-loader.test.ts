import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeEvent, type Event } from "@slipway/events";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BulkViewLoader } from "../src/bulk-loader.js";
import { ProjectionState } from "../src/projection-state.js";
import { messyHistory } from "./history.js";

const dir = mkdtempSync(join(tmpdir(), "bulk-loader-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A stream's messages: the history's events at rising sequences with gaps, and a few bytes that are no event. */
function messages(events: Event[]): { seq: number; event: Event | null; data: Uint8Array }[] {
  const out: { seq: number; event: Event | null; data: Uint8Array }[] = [];
  let seq = 0;
  events.forEach((event, i) => {
    seq += i % 97 === 0 ? 3 : 1;
    if (i % 211 === 0) out.push({ seq: seq++, event: null, data: Buffer.from("not an event") });
    out.push({ seq, event, data: encodeEvent(event) });
  });
  return out;
}

function ids(events: Event[], field: "buildId" | "deliveryId"): string[] {
  return [...new Set(events.flatMap((e) => (field in e.data ? [(e.data as Record<string, string>)[field]!] : [])))];
}

test("bulk loader - the view rebuilt on two threads equals the one folded in place, record by record and as of the past", async () => {
  const events = messyHistory(7, 3000);
  const stream = messages(events);
  assert.ok(stream.length > 5 * 2000, "enough messages for several batches and a writer running behind");
  const inPlace = ProjectionState.empty("2026-01-01T00:00:00Z");
  const path = join(dir, "two-threads.sqlite");
  const loader = new BulkViewLoader(path, "2026-01-01T00:00:00Z");
  for (const [i, m] of stream.entries()) {
    inPlace.apply(m.event, m.seq, m.data);
    await loader.apply(m.seq, m.data);
    if (i === 4321) await loader.commit();
  }
  inPlace.commit();
  assert.is(loader.checkpoint(), stream.at(-1)!.seq);
  await loader.finish();

  const rebuilt = ProjectionState.open(path, "another stream");
  try {
    assert.is(rebuilt.checkpoint(), inPlace.checkpoint());
    assert.is(rebuilt.streamCreated, "2026-01-01T00:00:00Z");
    const builds = ids(events, "buildId");
    const deliveries = ids(events, "deliveryId");
    assert.ok(builds.length > 1000 && deliveries.length > 1000);
    const past = stream[Math.floor(stream.length / 2)]!.seq;
    // One read per view and point: an `asOf` read folds the records changed since back first.
    const records = (s: ProjectionState, asOf: number | undefined) =>
      s.read((v) => ({ builds: builds.map((id) => v.getBuild(id)), deliveries: deliveries.map((id) => v.getDelivery(id)) }), asOf);
    for (const asOf of [undefined, past]) assert.equal(records(rebuilt, asOf), records(inPlace, asOf), `every record as of ${asOf ?? "now"}`);
    const firstPage = (s: ProjectionState) => s.read((v) => v.queries.listBuilds({ filters: { status: "failed" }, cursor: null, limit: 50 }));
    assert.equal(firstPage(rebuilt), firstPage(inPlace), "the indexes answer as the live view's");
  } finally {
    rebuilt.close();
    inPlace.close();
  }
});

test("bulk loader - a writer that cannot start fails the rebuild with its reason, and the reading side stops", async () => {
  const path = join(dir, "taken.sqlite");
  writeFileSync(path, "");
  const existing = ProjectionState.open(path, null);
  existing.close();
  const loader = new BulkViewLoader(path, null);
  const stream = messages(messyHistory(3, 400));
  let failure: Error | null = null;
  try {
    for (const m of stream) await loader.apply(m.seq, m.data);
    await loader.finish();
  } catch (err) {
    failure = err as Error;
  }
  assert.ok(failure !== null, "the rebuild failed");
  assert.match(failure!.message, /exists: a bulk load needs a new file/);
  assert.throws(() => loader.apply(10_000_000, new Uint8Array()), /exists/, "later messages are refused with the same reason");
  await loader.close();
});

test("bulk loader - messages must come in rising sequence", async () => {
  const loader = new BulkViewLoader(join(dir, "order.sqlite"), null);
  try {
    loader.apply(5, new Uint8Array());
    assert.throws(() => loader.apply(5, new Uint8Array()), /sequence 5 is not after the checkpoint 5/);
  } finally {
    await loader.close();
  }
});

test.run();
