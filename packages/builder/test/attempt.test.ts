import { test } from "uvu";
import * as assert from "uvu/assert";
import { nextAttempt } from "../src/attempt.js";

test("attempt - counts up from the delivery count and never repeats a started attempt", () => {
  const cases: [deliveryCount: number, lastStarted: number | null, expected: number, why: string][] = [
    [1, null, 1, "first delivery, nothing started yet"],
    [2, 1, 2, "an ordinary redelivery"],
    [3, null, 3, "earlier BuildStarted unreadable: the delivery count still counts"],
    [1, 1, 2, "a handed-back job redelivered with a count of 1 again (nats-server 2.9)"],
    [2, 4, 5, "the stream knows more attempts than the server's count"],
  ];
  for (const [deliveryCount, lastStarted, expected, why] of cases) {
    assert.is(nextAttempt(deliveryCount, lastStarted), expected, why);
  }
});

test.run();
