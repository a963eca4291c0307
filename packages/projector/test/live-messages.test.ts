import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventMessage, logMessages, parseResume, toLf } from "../src/live-messages.js";
import { pushed, queued } from "./fixtures.js";

test("live messages - resume position: header, then ?lastEventId, then ?since", () => {
  const cases: [unknown, Record<string, unknown>, ReturnType<typeof parseResume>][] = [
    [undefined, {}, { ok: true, after: null }],
    ["", {}, { ok: true, after: null }],
    ["42", { lastEventId: "7", since: "3" }, { ok: true, after: 42 }],
    [undefined, { lastEventId: "7", since: "3" }, { ok: true, after: 7 }],
    [undefined, { since: "0" }, { ok: true, after: 0 }],
    [undefined, { since: "3" }, { ok: true, after: 3 }],
  ];
  for (const [header, query, want] of cases) assert.equal(parseResume(header, query), want, JSON.stringify([header, query]));
  for (const [header, query] of [["-1", {}], ["1.5", {}], ["x", {}], [undefined, { since: ["1", "2"] }], [undefined, { lastEventId: "9".repeat(16) }]] as [unknown, Record<string, unknown>][]) {
    assert.is(parseResume(header, query).ok, false, JSON.stringify([header, query]));
  }
});

test("live messages - line breaks become LF, text otherwise untouched", () => {
  assert.is(toLf("a\r\nb\rc\nd\n"), "a\nb\nc\nd\n");
  assert.is(toLf("héllo\n\n"), "héllo\n\n");
});

test("live messages - an attempt message before the first chunk and at every change of attempt", () => {
  let r = logMessages({ kind: "chunk", seq: 5, attempt: 1, text: "one\r\n" }, 0);
  assert.equal(r.messages, [
    { event: "attempt", data: '{"attempt":1}' },
    { id: "5", event: "log", data: "one\n" },
  ]);
  r = logMessages({ kind: "chunk", seq: 6, attempt: 1, text: "two" }, r.attempt);
  assert.equal(r.messages, [{ id: "6", event: "log", data: "two" }]);
  r = logMessages({ kind: "chunk", seq: 9, attempt: 2, text: "again" }, r.attempt);
  assert.equal(r.messages.map((m) => m.event), ["attempt", "log"]);
  assert.is(r.attempt, 2);
});

test("live messages - the verdict carries the event, without an id (ids are log sequences)", () => {
  const event = pushed();
  const r = logMessages({ kind: "verdict", event }, 1);
  assert.equal(r.messages, [{ event: "verdict", data: JSON.stringify(event) }]);
});

test("live messages - a domain event is named by its type, id = its sequence", () => {
  const event = queued();
  assert.equal(eventMessage(12, event), { id: "12", event: "BuildQueued", data: JSON.stringify(event) });
});

test.run();
