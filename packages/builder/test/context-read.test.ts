import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ObjectResult } from "@nats-io/obj";
import { openContext } from "../src/context-read.js";

const found = { info: { name: "ctx" } } as unknown as ObjectResult;

test("context read - a store that times out twice, then answers, opens the context", async () => {
  let calls = 0;
  const retries: number[] = [];
  const store = {
    get: async () => {
      calls++;
      if (calls <= 2) throw new Error("timeout");
      return found;
    },
  };
  assert.is(await openContext(store, "ctx", { onRetry: (_err, waitMs) => retries.push(waitMs) }), found);
  assert.is(calls, 3);
  assert.equal(retries, [500, 1000]);
});

test("context read - a missing context is null at once, not retried", async () => {
  let calls = 0;
  const result = await openContext({ get: async () => (calls++, null) }, "gone");
  assert.is(result, null);
  assert.is(calls, 1);
});

test("context read - past its patience the last error is thrown", async () => {
  let calls = 0;
  const store = { get: async () => { calls++; throw new Error(`timeout ${calls}`); } };
  try {
    await openContext(store, "ctx", { patienceMs: 1200 });
    assert.unreachable("should throw");
  } catch (err) {
    assert.instance(err, Error);
    assert.match((err as Error).message, /^timeout \d$/);
  }
  assert.is(calls, 2); // 0 ms, then 500 ms; the next wait (1 s) would pass the 1.2 s.
});

test("context read - a stopped build does not wait", async () => {
  const stop = new AbortController();
  stop.abort();
  let calls = 0;
  const store = { get: async () => { calls++; throw new Error("timeout"); } };
  await openContext(store, "ctx", { signal: stop.signal }).then(() => assert.unreachable("should throw"), () => undefined);
  assert.is(calls, 1);
});

test.run();
