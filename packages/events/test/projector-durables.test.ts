import { test } from "uvu";
import * as assert from "uvu/assert";
import { DEFAULT_PROJECTOR_NAME, projectorDurables, projectorNameProblem } from "../src/projector-durables.js";
import { durables, STREAM_EVENTS, STREAM_LOGS } from "../src/streams.js";

test("projector durables - the default keeps the names installations already have", () => {
  assert.is(DEFAULT_PROJECTOR_NAME, "projector");
  const d = projectorDurables();
  assert.equal(d.events, durables.projectorEvents);
  assert.equal(d.logs, durables.projectorLogs);
  assert.is(d.events.name, "projector");
  assert.is(d.logs.name, "projector-logs");
});

test("projector durables - a name gives a pair of its own, same settings", () => {
  const d = projectorDurables("replica-b");
  assert.equal(d.events, { ...durables.projectorEvents, name: "replica-b" });
  assert.equal(d.logs, { ...durables.projectorLogs, name: "replica-b-logs" });
  assert.is(d.events.stream, STREAM_EVENTS);
  assert.is(d.logs.stream, STREAM_LOGS);
});

for (const name of ["", "a.b", "a*", "a>", "a b", "a/b", "..", "-x", "_x", "Replica", "é", "x".repeat(49)]) {
  test(`projector durables - ${JSON.stringify(name)} is refused as a name`, () => {
    assert.type(projectorNameProblem(name), "string");
    assert.throws(() => projectorDurables(name), RangeError);
  });
}

test("projector durables - another service's durable is no projector name", () => {
  for (const name of [durables.gitSync.name, durables.builders.name, durables.githubStatus.name]) {
    assert.match(projectorNameProblem(name) ?? "", /another service/, name);
  }
  for (const name of ["projector", "b", "replica_2", "x".repeat(48)]) assert.is(projectorNameProblem(name), null, name);
});

test.run();
