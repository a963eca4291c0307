import { test } from "uvu";
import * as assert from "uvu/assert";
import { statusFor, statusTarget, type CommitStatus, type StatusEvent } from "../src/status.js";
import { imageWithoutRegistry, MAX_DESCRIPTION, oneLine } from "../src/text.js";
import { DIGEST, event, queued } from "./fixtures.js";

const BUILD = "bunit00000000001";
const options = { contextPrefix: "slipway", publicUrl: "http://ci.example.com:5000" };

const cases: [string, StatusEvent, Omit<CommitStatus, "context" | "targetUrl">][] = [
  ["BuildQueued is pending, queued", event("BuildQueued", queued(BUILD)), { state: "pending", description: "Build #7 queued" }],
  ["BuildStarted is pending, building", event("BuildStarted", { buildId: BUILD, builder: "host:1", attempt: 1 }), { state: "pending", description: "Build #7 building" }],
  [
    "ImagePushed is success, with the image and a short digest",
    event("ImagePushed", { buildId: BUILD, image: "127.0.0.1:5500/acme/shop_test", tags: ["latest"], digest: DIGEST, attempt: 1 }),
    { state: "success", description: "Build #7 pushed acme/shop_test sha256:0123456789ab" },
  ],
  [
    "BuildFailed is failure, with the stage and the reason",
    event("BuildFailed", { buildId: BUILD, stage: "build", code: "DOCKER_BUILD_FAILED", message: "step #5 [2/2] RUN make failed: exit code: 2", attempt: 1 }),
    { state: "failure", description: "Build #7 failed at build: step #5 [2/2] RUN make failed: exit code: 2" },
  ],
  [
    "BuildCancelled is error, saying who and why",
    event("BuildCancelled", { buildId: BUILD, reason: "wrong commit", requestedBy: "alice", attempt: 1 }),
    { state: "error", description: "Build #7 cancelled by alice: wrong commit" },
  ],
  ["BuildCancelled without a reason", event("BuildCancelled", { buildId: BUILD, reason: "" }), { state: "error", description: "Build #7 cancelled" }],
];
for (const [what, ev, expected] of cases) {
  test(`status - ${what}`, () => {
    assert.equal(statusFor(ev, queued(BUILD), options), { ...expected, context: "slipway/Dockerfile_test", targetUrl: `http://ci.example.com:5000/#/builds/${BUILD}` });
  });
}

test("status - one context per Dockerfile, with the configured prefix", () => {
  const ev = event("BuildQueued", queued(BUILD, { dockerfile: "Dockerfile" }));
  assert.is(statusFor(ev, queued(BUILD, { dockerfile: "Dockerfile" }), options).context, "slipway/Dockerfile");
  assert.is(statusFor(ev, queued(BUILD, { dockerfile: "Dockerfile.dev" }), { ...options, contextPrefix: "ci/acme" }).context, "ci/acme/Dockerfile.dev");
});

test("status - no public URL: no target_url", () => {
  assert.is(statusFor(event("BuildQueued", queued(BUILD)), queued(BUILD), { contextPrefix: "slipway", publicUrl: null }).targetUrl, null);
});

test("status - a long, multi-line failure is one line of at most 140 characters", () => {
  const message = "The command '/bin/sh -c make' returned a non-zero code: 2\n" + "make: *** [Makefile:3: all] Error 2\n".repeat(20);
  const status = statusFor(event("BuildFailed", { buildId: BUILD, stage: "build", code: "X", message, attempt: 1 }), queued(BUILD), options);
  assert.ok(status.description.length <= MAX_DESCRIPTION, `${status.description.length} characters`);
  assert.ok(status.description.startsWith("Build #7 failed at build: The command '/bin/sh -c make' returned a non-zero code: 2 make: ***"));
  assert.ok(status.description.endsWith("…"));
  assert.not.match(status.description, /\n/);
});

test("status - a repository without an owner has no commit to post to", () => {
  assert.is(statusTarget(queued(BUILD, { repo: { key: "fruty_docker-ci", name: "fruty_docker-ci", owner: null } })), null);
  assert.equal(statusTarget(queued(BUILD)), { owner: "acme", repo: "shop", sha: "a".repeat(40) });
});

test("text - oneLine keeps short text, cuts long text between code points", () => {
  assert.is(oneLine("  a\n\tb  "), "a b");
  assert.is(oneLine("x".repeat(140)), "x".repeat(140));
  assert.is(oneLine("x".repeat(141)), "x".repeat(139) + "…");
  const emoji = oneLine("😀".repeat(100));
  assert.ok(emoji.length <= 140);
  assert.is(emoji, "😀".repeat(69) + "…");
});

test("text - imageWithoutRegistry drops a registry host, keeps a namespace", () => {
  assert.is(imageWithoutRegistry("127.0.0.1:5500/fruty_docker-ci"), "fruty_docker-ci");
  assert.is(imageWithoutRegistry("registry.example.com/acme/shop"), "acme/shop");
  assert.is(imageWithoutRegistry("localhost/shop"), "shop");
  assert.is(imageWithoutRegistry("acme/shop"), "acme/shop");
  assert.is(imageWithoutRegistry("shop"), "shop");
});

test.run();
