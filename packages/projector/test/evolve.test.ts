import { Value } from "@sinclair/typebox/value";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event } from "@slipway/events";
import { applyEvent, evolve } from "../src/evolve.js";
import { DeliveryView, emptyModel, type BuildView, type ReadModel } from "../src/read-model.js";
import { BUILD, built, cancelledBy, cancelledEv, cancelRequestedEv, handedBackEv, DELIVERY, DIGEST, failed, IGNORED_MESSAGE, ignoredWebhook, logChunk, pushed, queued, repoUpdated, REPO, SHA, started, syncFailed, t, webhook } from "./fixtures.js";

/** Folds events in order, numbering them 1, 2, ... like stream sequences. */
function project(events: Event[], model: ReadModel = emptyModel()): ReadModel {
  events.forEach((e, i) => applyEvent(model, e, i + 1));
  return model;
}

function build(model: ReadModel, id = BUILD): BuildView {
  const b = model.builds.get(id);
  if (!b) throw new Error(`no build ${id}`);
  return b;
}

type Case = { name: string; events: Event[]; expect: Partial<BuildView> };

const FAILURE = { stage: "build", code: "DOCKER_BUILD_FAILED", message: "The command '/bin/sh -c false' returned a non-zero code: 1" };

/** Each event applied twice in a row, then the whole history redelivered: the model is as after one pass. */
function assertAppliedTwiceSame(events: Event[]): void {
  const once = project(events);
  const twice = emptyModel();
  events.forEach((e, i) => {
    applyEvent(twice, e, i + 1);
    applyEvent(twice, e, i + 1);
  });
  events.forEach((e, i) => applyEvent(twice, e, events.length + i + 1));
  assert.equal([...twice.builds.entries()], [...once.builds.entries()]);
  assert.equal([...twice.deliveries.entries()], [...once.deliveries.entries()]);
}

const cases: Case[] = [
  {
    name: "BuildQueued creates a queued build with its facts",
    events: [queued()],
    expect: { status: "queued", repo: REPO.key, repoName: REPO.name, dockerfile: "Dockerfile", image: "127.0.0.1:5500/docker-ci", sha: SHA, branch: "main", buildNumber: 7, deliveryId: DELIVERY, queuedAt: t(0).toISOString(), startedAt: null, attempts: 0, digest: null, error: null },
  },
  { name: "BuildStarted makes it running", events: [queued(), started(1, t(1))], expect: { status: "running", startedAt: t(1).toISOString(), attempts: 1 } },
  { name: "ImageBuilt records the image id", events: [queued(), started(), built()], expect: { status: "running", imageId: "sha256:img1" } },
  {
    name: "ImagePushed succeeds with digest, tags and duration",
    events: [queued(), started(1, t(1)), built(), pushed(1, t(6))],
    expect: { status: "succeeded", digest: DIGEST, tags: [SHA, "7", "main", "latest"], finishedAt: t(6).toISOString(), durationMs: 5000, error: null },
  },
  {
    name: "BuildFailed fails with the stage, code and message",
    events: [queued(), started(1, t(1)), failed(1, t(4))],
    expect: { status: "failed", error: FAILURE, finishedAt: t(4).toISOString(), durationMs: 3000 },
  },
  { name: "BuildHandedBack puts a running build back in the queue, attempts kept", events: [queued(), started(1, t(1)), handedBackEv(1)], expect: { status: "queued", attempts: 1 } },
  { name: "BuildHandedBack of an older attempt changes nothing", events: [queued(), started(1), started(2, t(3)), handedBackEv(1, t(4))], expect: { status: "running", attempts: 2 } },
  { name: "BuildCancelRequested is history only: the build keeps running", events: [queued(), started(1, t(1)), cancelRequestedEv()], expect: { status: "running" } },
  {
    name: "BuildCancelled says who asked and why",
    events: [queued(), started(1, t(1)), cancelRequestedEv(), cancelledBy("alice", 1, t(3))],
    expect: { status: "cancelled", error: { stage: "cancelled", code: "SLIPWAY_BUILD_CANCELLED", message: "cancelled by alice: wrong commit" }, durationMs: 2000 },
  },
  { name: "BuildCancelled cancels a queued build", events: [queued(), cancelledEv(t(2))], expect: { status: "cancelled", finishedAt: t(2).toISOString(), durationMs: null } },
  { name: "terminal - a late BuildStarted of the same attempt does not reopen a success", events: [queued(), started(), pushed(), started(1, t(9))], expect: { status: "succeeded", startedAt: t(1).toISOString() } },
  { name: "terminal - a late ImageBuilt of an older attempt keeps the failure", events: [queued(), started(2), failed(2), built(1)], expect: { status: "failed", attempts: 2, imageId: null } },
  { name: "terminal - a late BuildFailed of an older attempt keeps the success", events: [queued(), started(1), started(2, t(3)), pushed(2), failed(1, t(8))], expect: { status: "succeeded", attempts: 2, error: null } },
  { name: "terminal - the first outcome of one attempt wins", events: [queued(), started(), failed(1), pushed(1)], expect: { status: "failed", digest: null } },
  { name: "terminal - an older attempt's push ends a build a newer attempt runs", events: [queued(), started(1), started(2, t(3)), pushed(1, t(6))], expect: { status: "succeeded", attempts: 2, digest: DIGEST } },
  // A newer attempt after a terminal event: a builder crashed after publishing its verdict and
  // before acking, and the job was redelivered. The verdict stands; the attempt is counted.
  {
    name: "terminal - a newer attempt's BuildStarted does not reopen a failed build",
    events: [queued(), started(1, t(1)), failed(1, t(4)), started(2, t(7))],
    expect: { status: "failed", attempts: 2, error: FAILURE, startedAt: t(1).toISOString(), finishedAt: t(4).toISOString(), durationMs: 3000 },
  },
  {
    name: "terminal - a newer attempt's whole run does not turn a failure into a success",
    events: [queued(), started(1, t(1)), failed(1, t(4)), started(2, t(7)), built(2), pushed(2, t(9))],
    expect: { status: "failed", attempts: 2, error: FAILURE, digest: null, imageId: null, finishedAt: t(4).toISOString(), durationMs: 3000 },
  },
  {
    name: "terminal - a newer attempt's run does not touch a success",
    events: [queued(), started(1, t(1)), built(1), pushed(1, t(6)), started(2, t(7)), built(2)],
    expect: { status: "succeeded", attempts: 2, imageId: "sha256:img1", digest: DIGEST, startedAt: t(1).toISOString(), finishedAt: t(6).toISOString(), durationMs: 5000 },
  },
  {
    name: "terminal - ImagePushed then the max-deliveries BuildFailed: the first stored wins",
    events: [queued(), started(1, t(1)), built(1), pushed(1, t(6)), failed(3, t(8))],
    expect: { status: "succeeded", attempts: 3, error: null, digest: DIGEST, finishedAt: t(6).toISOString(), durationMs: 5000 },
  },
  {
    name: "terminal - BuildFailed then a newer attempt's ImagePushed: the first stored wins",
    events: [queued(), started(1, t(1)), failed(1, t(4)), pushed(2, t(9))],
    expect: { status: "failed", attempts: 2, error: FAILURE, digest: null, finishedAt: t(4).toISOString() },
  },
  { name: "terminal - cancelled stays cancelled", events: [queued(), cancelledEv(), started(1), pushed(1)], expect: { status: "cancelled", attempts: 1, digest: null, startedAt: null, finishedAt: t(2).toISOString() } },
  { name: "terminal - a cancel after a failure changes nothing", events: [queued(), started(1, t(1)), failed(1, t(4)), cancelledEv(t(5))], expect: { status: "failed", error: FAILURE, finishedAt: t(4).toISOString() } },
  { name: "BuildLogChunk changes nothing", events: [queued(), logChunk(0, "hello\n")], expect: { status: "queued", events: [{ seq: 1, type: "BuildQueued", id: `q-${BUILD}`, time: t(0).toISOString() }] } },
  {
    name: "failed without queued - a minimal record from the delivery",
    events: [webhook(), repoUpdated(), failed(0, t(4))],
    expect: { status: "failed", repo: REPO.key, repoName: REPO.name, branch: "main", sha: SHA, buildNumber: 7, deliveryId: DELIVERY, dockerfile: "", tags: [], queuedAt: t(4).toISOString(), attempts: 0 },
  },
  { name: "failed without queued - a minimal record without anything known", events: [failed(0, t(4))], expect: { status: "failed", repo: "", sha: "", branch: null, deliveryId: DELIVERY } },
  { name: "failed without queued - a late BuildQueued fills the facts and keeps the failure", events: [failed(0, t(4)), queued(t(5))], expect: { status: "failed", repo: REPO.key, dockerfile: "Dockerfile", queuedAt: t(5).toISOString() } },
];

for (const c of cases) {
  test(`evolve - ${c.name}`, () => {
    const b = build(project(c.events));
    const fields = new Map(Object.entries(b));
    for (const [key, value] of Object.entries(c.expect)) assert.equal(fields.get(key), value, key);
  });
  test(`evolve - applied twice: ${c.name}`, () => assertAppliedTwiceSame(c.events));
}

test("evolve - each build keeps the events that made it, in order", () => {
  const b = build(project([queued(), started(), built(), pushed()]));
  assert.equal(
    b.events.map((e) => [e.seq, e.type, e.id]),
    [
      [1, "BuildQueued", `q-${BUILD}`],
      [2, "BuildStarted", `s-${BUILD}-1`],
      [3, "ImageBuilt", `i-${BUILD}-1`],
      [4, "ImagePushed", `p-${BUILD}-1`],
    ],
  );
  assert.is(b.events[3]?.time, t(6).toISOString());
});

test("evolve - a finished build still records the events that come after its verdict", () => {
  const b = build(project([queued(), started(1), pushed(1), started(2, t(7)), failed(2, t(8))]));
  assert.equal(
    b.events.map((e) => [e.seq, e.type, e.id]),
    [
      [1, "BuildQueued", `q-${BUILD}`],
      [2, "BuildStarted", `s-${BUILD}-1`],
      [3, "ImagePushed", `p-${BUILD}-1`],
      [4, "BuildStarted", `s-${BUILD}-2`],
      [5, "BuildFailed", `f-${BUILD}-2`],
    ],
  );
  assert.is(b.status, "succeeded");
});

test("evolve - is pure: the given model and its records are not changed", () => {
  const model = project([queued()]);
  const before = structuredClone(build(model));
  const change = evolve(model, started(), 2);
  assert.equal(build(model), before);
  assert.is(change.build?.status, "running");
});

test("evolve - events of other builds do not touch a build", () => {
  const model = project([queued(), queued(t(1), "b0000000000000b2"), started(1, t(2), "b0000000000000b2")]);
  assert.is(build(model).status, "queued");
  assert.is(build(model, "b0000000000000b2").status, "running");
});

type DeliveryCase = { name: string; events: Event[]; expect: Record<string, unknown>; builds: number };
const deliveryCases: DeliveryCase[] = [
  { name: "WebhookReceived remembers the delivery", events: [webhook()], expect: { status: "received", repo: REPO.key, branch: "main", requestedSha: SHA, sha: null, pusher: "fruty", ignored: null }, builds: 0 },
  { name: "RepoUpdated marks it synced", events: [webhook(), repoUpdated()], expect: { status: "synced", sha: SHA, buildNumber: 7, dockerfiles: ["Dockerfile"] }, builds: 0 },
  {
    name: "RepoSyncFailed shows the failure, without a build",
    events: [webhook(), syncFailed()],
    expect: { status: "sync_failed", error: { code: "GIT_FETCH_FAILED", message: "repository not found" } },
    builds: 0,
  },
  { name: "a later RepoUpdated wins over a sync failure (retry)", events: [webhook(), syncFailed(), repoUpdated(t(0))], expect: { status: "synced", error: null }, builds: 0 },
  {
    name: "a RepoSyncFailed after the sync is recorded, keeping what the sync found",
    events: [webhook(), repoUpdated(), syncFailed(t(3))],
    expect: { status: "sync_failed", error: { code: "GIT_FETCH_FAILED", message: "repository not found" }, sha: SHA, buildNumber: 7, dockerfiles: ["Dockerfile"], updatedAt: t(3).toISOString() },
    builds: 0,
  },
  { name: "a late WebhookReceived does not move it back", events: [repoUpdated(), webhook(t(3))], expect: { status: "synced", receivedAt: t(-1).toISOString() }, builds: 0 },
  {
    name: "WebhookIgnored shows why nothing ran, with the facts of the push",
    events: [ignoredWebhook()],
    expect: {
      deliveryId: DELIVERY,
      status: "ignored",
      ignored: { reason: "skip-ci", message: IGNORED_MESSAGE },
      repo: REPO.key,
      repoName: REPO.name,
      ref: "refs/heads/main",
      branch: "main",
      requestedSha: SHA,
      sha: null,
      pusher: "fruty",
      buildNumber: null,
      dockerfiles: [],
      error: null,
      receivedAt: t(-2).toISOString(),
      updatedAt: t(-2).toISOString(),
    },
    builds: 0,
  },
  {
    name: "WebhookIgnored keeps each reason code",
    events: [ignoredWebhook(t(-2), { reason: "deleted", message: "refs/heads/main was deleted: nothing to build" })],
    expect: { status: "ignored", ignored: { reason: "deleted", message: "refs/heads/main was deleted: nothing to build" } },
    builds: 0,
  },
  // GitHub redelivered the push after the filters changed: git-sync takes it, builds follow.
  {
    name: "a WebhookReceived after WebhookIgnored makes it received, first seen time kept",
    events: [ignoredWebhook(), webhook(t(3))],
    expect: { status: "received", ignored: null, receivedAt: t(-2).toISOString(), updatedAt: t(3).toISOString() },
    builds: 0,
  },
  { name: "a late WebhookIgnored does not undo a received delivery", events: [webhook(), ignoredWebhook(t(3))], expect: { status: "received", ignored: null, updatedAt: t(-2).toISOString() }, builds: 0 },
  { name: "a late WebhookIgnored does not undo a synced delivery", events: [webhook(), repoUpdated(), ignoredWebhook(t(3))], expect: { status: "synced", ignored: null, sha: SHA }, builds: 0 },
  { name: "a RepoUpdated after WebhookIgnored clears the ignore", events: [ignoredWebhook(), repoUpdated()], expect: { status: "synced", ignored: null, pusher: "fruty" }, builds: 0 },
];

for (const c of deliveryCases) {
  test(`evolve deliveries - ${c.name}`, () => {
    const model = project(c.events);
    const d = model.deliveries.get(DELIVERY);
    assert.ok(d, "delivery recorded");
    const fields = new Map(Object.entries(d));
    for (const [key, value] of Object.entries(c.expect)) assert.equal(fields.get(key), value, key);
    assert.is(model.builds.size, c.builds);
  });
  test(`evolve deliveries - applied twice: ${c.name}`, () => assertAppliedTwiceSame(c.events));
}

test("evolve deliveries - an ignored delivery is a valid DeliveryView (the HTTP and snapshot shape)", () => {
  const d = project([ignoredWebhook()]).deliveries.get(DELIVERY);
  assert.ok(Value.Check(DeliveryView, d), [...Value.Errors(DeliveryView, d)].map((e) => `${e.path}: ${e.message}`).join("; "));
});

test.run();
