import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildApp } from "../src/app.js";
import { ProjectionState } from "../src/projection-state.js";
import { judgeLag, type DurableLag, type Readiness } from "../src/readiness.js";

const lag = (name: string, pending: number, ackPending: number): DurableLag => ({ durable: name, stream: "S", pending, ackPending, lastSeq: 100, checkpoint: 100 - pending - ackPending, behind: pending + ackPending });

test("readiness - ready while each durable has at most maxLag messages pending or unacked", () => {
  const cases: [number, number, number, number, string][] = [
    [0, 0, 0, 0, "ready"],
    [6, 4, 0, 0, "ready"],
    [6, 5, 0, 0, "lagging"],
    [0, 0, 10, 0, "ready"],
    [0, 0, 0, 11, "lagging"],
  ];
  for (const [ep, ea, lp, la, status] of cases) {
    const events = lag("projector", ep, ea);
    const logs = lag("projector-logs", lp, la);
    assert.equal(judgeLag({ events, logs }, 10), { status, maxLag: 10, lag: { events, logs } } as Readiness, `${ep}+${ea}, ${lp}+${la}`);
  }
});

const appWith = (answer: Readiness) => buildApp({ readModel: ProjectionState.empty(null), logsDir: "/nonexistent", readiness: async () => answer });

test("readiness - GET /readyz is 200 when ready, with the lag of each durable", async () => {
  const answer = judgeLag({ events: lag("projector", 0, 1), logs: lag("projector-logs", 0, 0) }, 10);
  const res = await appWith(answer).inject({ method: "GET", url: "/readyz" });
  assert.is(res.statusCode, 200);
  assert.equal(res.json(), answer);
  assert.is(res.headers["retry-after"], undefined);
});

test("readiness - GET /readyz is 503 with Retry-After when behind or when NATS does not answer", async () => {
  for (const answer of [judgeLag({ events: lag("projector", 50, 0), logs: lag("projector-logs", 0, 0) }, 10), { status: "unavailable", maxLag: 10, message: "the NATS connection is closed" } as const]) {
    const res = await appWith(answer).inject({ method: "GET", url: "/readyz" });
    assert.is(res.statusCode, 503);
    assert.is(res.headers["retry-after"], "5");
    assert.equal(res.json(), answer);
  }
});

test.run();
