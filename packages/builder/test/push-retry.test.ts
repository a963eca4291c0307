import { test } from "uvu";
import * as assert from "uvu/assert";
import { DockerBuildError, DockerPushError, DockerUnavailableError } from "../src/errors.js";
import { isTransientPushError, pushRetryDelayMs, withPushRetry } from "../src/push-retry.js";

const transient = [
  "Get \"http://127.0.0.1:5500/v2/\": dial tcp 127.0.0.1:5500: connect: connection refused",
  "Put \"http://127.0.0.1:5500/v2/x/blobs/uploads/abc\": read tcp 127.0.0.1:40000->127.0.0.1:5500: read: connection reset by peer",
  "received unexpected HTTP status: 503 Service Unavailable",
  "received unexpected HTTP status: 502 Bad Gateway",
  "net/http: request canceled (Client.Timeout exceeded while awaiting headers)",
  "Patch \"http://reg/v2/x/blobs/uploads/1\": unexpected EOF",
];
const permanent = [
  "unauthorized: authentication required",
  "denied: requested access to the resource is denied",
  "manifest invalid: manifest invalid",
  "toomanyrequests: You have reached your pull rate limit",
  "something nobody has seen before",
];

for (const message of transient) {
  test(`push retry - transient: ${message.slice(0, 60)}`, () => assert.ok(isTransientPushError(new DockerPushError(message))));
}
for (const message of permanent) {
  test(`push retry - fails at once: ${message.slice(0, 60)}`, () => assert.not.ok(isTransientPushError(new DockerPushError(message))));
}

test("push retry - an engine that does not answer is transient; a build error is not a push error", () => {
  assert.ok(isTransientPushError(new DockerUnavailableError("Docker engine unreachable: connect ECONNREFUSED")));
  assert.not.ok(isTransientPushError(new DockerBuildError("connection refused in a RUN step")));
});

test("push retry - delays double from the base, are capped, and jitter only shortens them", () => {
  const retry = { retries: 5, baseDelayMs: 100, maxDelayMs: 500 };
  assert.equal([1, 2, 3, 4].map((n) => pushRetryDelayMs(n, retry, () => 0)), [100, 200, 400, 500]);
  assert.is(pushRetryDelayMs(2, retry, () => 1), 150);
});

test("push retry - retries a transient failure until it succeeds, reporting each retry", async () => {
  let calls = 0;
  const retries: number[] = [];
  const result = await withPushRetry(
    async () => {
      if (++calls < 3) throw new DockerPushError("dial tcp: connection refused");
      return "sha256:ok";
    },
    { retries: 5, baseDelayMs: 1, maxDelayMs: 1 },
    (n) => retries.push(n),
  );
  assert.is(result, "sha256:ok");
  assert.equal(retries, [1, 2]);
});

test("push retry - gives up after the configured retries, and never retries a permanent failure", async () => {
  let calls = 0;
  const failing = async () => {
    calls++;
    throw new DockerPushError("connection refused");
  };
  await withPushRetry(failing, { retries: 2, baseDelayMs: 1, maxDelayMs: 1 }, () => undefined).catch(() => undefined);
  assert.is(calls, 3, "one try and two retries");
  calls = 0;
  const denied = async () => {
    calls++;
    throw new DockerPushError("denied: requested access to the resource is denied");
  };
  await withPushRetry(denied, { retries: 5, baseDelayMs: 1, maxDelayMs: 1 }, () => undefined).catch(() => undefined);
  assert.is(calls, 1);
});

test.run();
