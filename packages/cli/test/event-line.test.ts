import { createEvent, type Event, type EventData, type EventType } from "@slipway/events";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { palette } from "../src/output/color.js";
import { eventLine, eventSummary, LogLines, undecodableLine } from "../src/output/event-line.js";
import { verdictLine } from "../src/output/verdict.js";

const p = palette(false);
const SHA = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";
const REPO = { key: "acme/shop", name: "shop", owner: "acme" };
const BUILD = "b3f9a0c1d2e4f567";
const DIGEST = "sha256:" + "0123456789abcdef".repeat(4);
const ev = <T extends EventType>(type: T, data: EventData<T>): Event<T> => createEvent(type, data, { id: `${type}-1`, correlationId: "d-1", causationId: null }, new Date(2026, 10, 26, 9, 3, 4, 120));

/** Every event type, with what its line must show. */
const CASES: [Event, RegExp][] = [
  [ev("WebhookReceived", { deliveryId: "d-1", source: "push", repo: REPO, ref: "refs/heads/main", branch: "main", requestedSha: SHA, defaultBranch: "main", pusher: "alice" }), /^acme\/shop refs\/heads\/main 1a2b3c4 by alice \(push, delivery d-1\)$/],
  [ev("WebhookIgnored", { deliveryId: "d-2", source: "push", repo: REPO, ref: "refs/heads/x", branch: "x", requestedSha: SHA, pusher: null, reason: "skip-ci", message: "says [skip ci]" }), /acme\/shop refs\/heads\/x ignored skip-ci: says \[skip ci\]/],
  [ev("RepoUpdated", { deliveryId: "d-1", repo: REPO, ref: "refs/heads/main", branch: "main", sha: SHA, shaFromPayload: true, defaultBranch: "main", contextObject: "c", contextBytes: 2048, dockerfiles: ["Dockerfile", "Dockerfile_test"], buildNumber: 12 }), /^acme\/shop main 1a2b3c4 #12: Dockerfile, Dockerfile_test \(context 2\.0 KiB\)$/],
  [ev("RepoSyncFailed", { deliveryId: "d-1", repo: REPO, ref: "refs/heads/main", code: "GIT_FETCH_FAILED", message: "not found" }), /^acme\/shop refs\/heads\/main GIT_FETCH_FAILED: not found$/],
  [ev("BuildQueued", { buildId: BUILD, deliveryId: "d-1", repo: REPO, sha: SHA, branch: "main", dockerfile: "Dockerfile_test", image: "127.0.0.1:5500/shop_test", tags: [SHA, "main"], buildNumber: 12, contextObject: "c", retryOf: "b0000000000000aa", requestedBy: "bob" }), /^b3f9a0c1d2e4f567 acme\/shop main 1a2b3c4 Dockerfile_test -> 127\.0\.0\.1:5500\/shop_test #12 retry of b0000000000000aa by bob$/],
  [ev("BuildStarted", { buildId: BUILD, builder: "host:42", attempt: 2 }), /^b3f9a0c1d2e4f567 attempt 2 on host:42$/],
  [ev("BuildLogChunk", { buildId: BUILD, attempt: 1, seq: 0, offset: 10, text: "héllo\n" }), /^b3f9a0c1d2e4f567 attempt 1, 7 bytes at 10$/],
  [ev("ImageBuilt", { buildId: BUILD, imageId: "sha256:" + "f".repeat(64), attempt: 1 }), /^b3f9a0c1d2e4f567 sha256:ffffffffffff \(attempt 1\)$/],
  [ev("ImagePushed", { buildId: BUILD, image: "127.0.0.1:5500/shop", tags: [SHA, "12", "main"], digest: DIGEST, attempt: 1 }), /^b3f9a0c1d2e4f567 pushed 127\.0\.0\.1:5500\/shop \(1a2b3c4, 12, main\) sha256:0123456789ab$/],
  [ev("BuildFailed", { buildId: BUILD, stage: "build", code: "DOCKER_BUILD_FAILED", message: "step #5 failed", attempt: 1 }), /^b3f9a0c1d2e4f567 failed at build \(DOCKER_BUILD_FAILED\): step #5 failed$/],
  [ev("BuildCancelled", { buildId: BUILD, reason: "wrong commit", requestedBy: "alice", attempt: 1 }), /^b3f9a0c1d2e4f567 cancelled by alice: wrong commit$/],
  [ev("BuildCancelRequested", { buildId: BUILD, requestedBy: "alice", reason: "" }), /^b3f9a0c1d2e4f567 by alice$/],
  [ev("BuildHandedBack", { buildId: BUILD, attempt: 1, builder: "host:42", reason: "builder stopping" }), /^b3f9a0c1d2e4f567 attempt 1 by host:42: builder stopping$/],
];

test("event line - every event type shows its key fields", () => {
  const types = new Set(CASES.map(([e]) => e.type));
  assert.is(types.size, 13, "one case per event type of the catalog");
  for (const [event, expected] of CASES) assert.match(eventSummary(event, p), expected, event.type);
});

test("event line - local time to the millisecond, then the type in a column, then the fields", () => {
  const [event] = CASES[5]!;
  assert.is(eventLine(event, p), "09:03:04.120 BuildStarted         b3f9a0c1d2e4f567 attempt 2 on host:42");
});

test("event line - a message that is no event says its subject and size", () => {
  assert.is(undecodableLine("ci.build.x.queued", 12, new Date(2026, 0, 1, 1, 2, 3, 4), p), "01:02:03.004 ci.build.x.queued <12 bytes, not an event>");
});

test("log lines - whole lines only, prefixed by the short build id; chunks may cut lines anywhere", () => {
  const logs = new LogLines();
  assert.equal(logs.push(BUILD, "#5 [2/3] RU", p), []);
  assert.ok(logs.pending);
  assert.equal(logs.push("r0c47d2e9a1b3f58", "other\r\n", p), ["r0c47d2e | other"]);
  assert.equal(logs.push(BUILD, "N make\nok\rnext\n", p), ["b3f9a0c1 | #5 [2/3] RUN make", "b3f9a0c1 | ok", "b3f9a0c1 | next"]);
  assert.not.ok(logs.pending);
  logs.push(BUILD, "tail without newline", p);
  assert.equal(logs.flush(p, "nobody"), []);
  assert.equal(logs.flush(p), ["b3f9a0c1 | tail without newline"]);
  assert.equal(logs.flush(p), []);
});

test("verdict line - pushed, failed, cancelled", () => {
  const pushed = ev("ImagePushed", { buildId: BUILD, image: "127.0.0.1:5500/shop", tags: ["main", "latest"], digest: DIGEST, attempt: 1 });
  assert.is(verdictLine(pushed, p), "build b3f9a0c1d2e4f567 pushed 127.0.0.1:5500/shop (main, latest) sha256:0123456789ab");
  const failed = ev("BuildFailed", { buildId: BUILD, stage: "push", code: "REGISTRY", message: "denied", attempt: 2 });
  assert.is(verdictLine(failed, p), "build b3f9a0c1d2e4f567 failed at push (REGISTRY): denied");
  const cancelled = ev("BuildCancelled", { buildId: BUILD, reason: "" });
  assert.is(verdictLine(cancelled, p), "build b3f9a0c1d2e4f567 cancelled");
});

test.run();
