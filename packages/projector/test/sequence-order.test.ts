import { test } from "uvu";
import * as assert from "uvu/assert";
import { decide, Decision, type Position } from "../src/sequence-order.js";

type Case = { name: string; seq: number; position: Position; gapStored?: boolean; expect: Decision };

const at = (checkpoint: number, persisted = checkpoint): Position => ({ checkpoint, persisted });

const cases: Case[] = [
  { name: "the first message of an empty projection is applied", seq: 1, position: at(0), expect: Decision.apply },
  { name: "the message right after the checkpoint is applied", seq: 8, position: at(7), expect: Decision.apply },
  { name: "a redelivery of a saved message is acked", seq: 5, position: at(7), expect: Decision.ack },
  { name: "a redelivery of the last saved message is acked", seq: 7, position: at(7), expect: Decision.ack },
  { name: "a redelivery of an applied, unsaved message waits for its save", seq: 6, position: at(7, 4), expect: Decision.hold },
  { name: "a message after a gap is looked up first", seq: 9, position: at(7), expect: Decision.lookup },
  { name: "a message after a gap of deleted sequences is applied", seq: 9, position: at(7), gapStored: false, expect: Decision.apply },
  { name: "a message after a gap the stream still holds repositions", seq: 9, position: at(7), gapStored: true, expect: Decision.reposition },
  { name: "a stream whose head was removed starts at its first message", seq: 1000, position: at(0), gapStored: false, expect: Decision.apply },
  // The lost-in-flight case: 8 is still stored, and 9 must not move the checkpoint past it.
  { name: "a later message never skips a stored one, however far", seq: 50, position: at(7, 3), gapStored: true, expect: Decision.reposition },
  { name: "a lookup answer does not change an in-order message", seq: 8, position: at(7), gapStored: true, expect: Decision.apply },
];

for (const c of cases) {
  test(`sequence order - ${c.name}`, () => {
    assert.is(decide(c.seq, c.position, c.gapStored), c.expect);
  });
}

test.run();
