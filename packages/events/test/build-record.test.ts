import { test } from "uvu";
import * as assert from "uvu/assert";
import { nextAttemptNumber, usedAttempts } from "../src/build-record.js";

test("build record - hand-backs do not use up attempts; crashes and failures do", () => {
  const cases: [started: number, handedBack: number, used: number, why: string][] = [
    [0, 0, 0, "never started"],
    [1, 0, 1, "one attempt died or failed"],
    [3, 3, 0, "three rolling restarts during one build"],
    [4, 3, 1, "three restarts, then a crash"],
    [2, 5, 0, "never negative, even with counts from a purged stream"],
  ];
  for (const [started, handedBack, used, why] of cases) assert.is(usedAttempts({ started, handedBack }), used, why);
});

test("build record - the next attempt number is past every stored start", () => {
  assert.is(nextAttemptNumber({ started: 0 }), 1);
  assert.is(nextAttemptNumber({ started: 4 }), 5);
});

test.run();
