import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildIdFor, decodeEvent, eventIds, publishEvent, readBuildRecord, STREAM_EVENTS, subjects, type WebhookReceived } from "@slipway/events";
import { createGitFixture, startService, withJetStream, type RunningService } from "@slipway/test-kit";

const bus = withJetStream(test);
let svc: RunningService;
const git = createGitFixture("app");
const dataDir = mkdtempSync(join(tmpdir(), "slipway-supersede-"));

test.before(async () => {
  // No builder runs: every queued build stays unfinished, as a busy fleet leaves them.
  svc = bus.own(
    await startService("git-sync", {
      SLIPWAY_NATS_URL: bus.nats.url,
      SLIPWAY_GIT_URL: join(git.root, "{name}.git"),
      SLIPWAY_GIT_DATA: dataDir,
      SLIPWAY_REGISTRY: "registry.test:5000",
      SLIPWAY_AUTO_CANCEL_SUPERSEDED: "true",
    }),
  );
});

test.after(async () => {
  for (const dir of [git.root, dataDir]) rmSync(dir, { recursive: true, force: true });
});

async function push(deliveryId: string, branch: string): Promise<void> {
  const data: WebhookReceived = { deliveryId, source: "manual", repo: { key: "app", name: "app", owner: null }, ref: `refs/heads/${branch}`, branch, requestedSha: "", defaultBranch: null, pusher: null };
  await publishEvent(bus.js, "WebhookReceived", data, { id: eventIds.webhookReceived(deliveryId), correlationId: deliveryId, causationId: null });
  const buildId = buildIdFor(deliveryId, "Dockerfile");
  for (let i = 0; i < 200 && (await bus.jsm.streams.getMessage(STREAM_EVENTS, { last_by_subj: subjects.build(buildId, "queued") })) === null; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("supersede - a newer push of the same branch asks to cancel the older unfinished build; other branches are left alone", async () => {
  git.commit({ Dockerfile: "FROM scratch\n" });
  await push("s1", "master");
  git.commit({ "a.txt": "2\n" }, "feature", "feature");
  await push("s2", "feature");
  git.commit({ "a.txt": "3\n" });
  await push("s3", "master");
  // The request is published before the newest build is recorded: once s3 is queued, it is stored.
  const waitForRequest = async (buildId: string) => {
    for (let i = 0; i < 50; i++) {
      const record = await readBuildRecord(bus.jsm, buildId);
      if (record.cancelRequest) return record.cancelRequest;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  };
  const request = await waitForRequest(buildIdFor("s1", "Dockerfile"));
  assert.ok(request, svc.output());
  assert.is(request.requestedBy, "slipway");
  assert.match(request.reason, `superseded by build #3 (${buildIdFor("s3", "Dockerfile")}) of master`);
  assert.is((await readBuildRecord(bus.jsm, buildIdFor("s2", "Dockerfile"))).cancelRequest, null, "another branch");
  assert.is((await readBuildRecord(bus.jsm, buildIdFor("s3", "Dockerfile"))).cancelRequest, null, "the newest build");
  const stored = await bus.jsm.streams.getMessage(STREAM_EVENTS, { last_by_subj: subjects.build(buildIdFor("s1", "Dockerfile"), "cancelrequested") });
  assert.is(decodeEvent(stored!.data).correlationId, "s3", "the request belongs to the push that caused it");
});

test.run();
