import { createLogger } from "@slipway/service-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { BuildQueued, BuildRecord } from "@slipway/events";
import { GithubUnavailableError } from "../src/errors.js";
import { FailureAction, failureAction } from "../src/failure.js";
import type { CommitStatusApi } from "../src/github-client.js";
import { handleStatusEvent, Outcome, type HandlerDeps } from "../src/handle-event.js";
import { supersededBy } from "../src/order.js";
import { postedKey, type PostedStatuses } from "../src/posted-store.js";
import type { CommitStatus } from "../src/status.js";
import { DIGEST, event, queued } from "./fixtures.js";

const BUILD = "bunit00000000002";

/** An octokit-like RequestError: a status and the response's headers. */
function httpError(status: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status, response: { status, headers, data: {} } });
}

type Fakes = { deps: HandlerDeps; created: CommitStatus[]; calls: { asked: number }; marked: Set<string> };

/** The handler's dependencies in memory; `github` answers as the test says. */
function fakes(opts: { queued?: BuildQueued | null; record?: Pick<BuildRecord, "started" | "terminal">; create?: () => Promise<void>; shown?: CommitStatus | null } = {}): Fakes {
  const created: CommitStatus[] = [];
  const marked = new Set<string>();
  const calls = { asked: 0 };
  const github: CommitStatusApi = {
    async create(_target, status) {
      await (opts.create ?? (async () => undefined))();
      created.push(status);
    },
    async current() {
      calls.asked += 1;
      return opts.shown ?? null;
    },
  };
  const posted: PostedStatuses = {
    has: async (buildId, phase) => marked.has(postedKey(buildId, phase)),
    mark: async (buildId, phase) => void marked.add(postedKey(buildId, phase)),
  };
  const deps: HandlerDeps = {
    github,
    posted,
    history: { queued: async () => (opts.queued === undefined ? queued(BUILD) : opts.queued), record: async () => opts.record ?? { started: 0, terminal: null } },
    options: { contextPrefix: "slipway", publicUrl: null },
    logger: createLogger("github-status-test", "silent"),
  };
  return { deps, created, calls, marked };
}

const first = { attempt: 1, signal: new AbortController().signal };
const again = { attempt: 2, signal: new AbortController().signal };
const pushed = () => event("ImagePushed", { buildId: BUILD, image: "127.0.0.1:5500/acme/shop_test", tags: [], digest: DIGEST, attempt: 1 });
const started = () => event("BuildStarted", { buildId: BUILD, builder: "h:1", attempt: 1 });

test("handler - posts once, then says it was posted", async () => {
  const f = fakes({ record: { started: 0, terminal: "pushed" } });
  assert.is(await handleStatusEvent(f.deps, pushed(), first), Outcome.posted);
  assert.is(await handleStatusEvent(f.deps, pushed(), again), Outcome.alreadyPosted);
  assert.is(f.created.length, 1);
  assert.is(f.created[0]?.state, "success");
  assert.is(f.calls.asked, 0, "the KV entry answers, GitHub is not asked");
});

test("handler - a pending status never follows a stored verdict", async () => {
  const f = fakes({ record: { started: 1, terminal: "failed" } });
  assert.is(await handleStatusEvent(f.deps, started(), again), Outcome.superseded);
  assert.is(await handleStatusEvent(f.deps, event("BuildQueued", queued(BUILD)), again), Outcome.superseded);
  assert.equal(f.created, []);
});

test("handler - a redelivery asks GitHub first and does not post what it already shows", async () => {
  const shown: CommitStatus = { state: "pending", context: "slipway/Dockerfile_test", description: "Build #7 building", targetUrl: null };
  const f = fakes({ shown });
  assert.is(await handleStatusEvent(f.deps, started(), again), Outcome.alreadyOnGithub);
  assert.is(f.calls.asked, 1);
  assert.equal(f.created, []);
  assert.is(await handleStatusEvent(f.deps, started(), { attempt: 3, signal: first.signal }), Outcome.alreadyPosted, "and remembers it");
});

test("handler - a redelivery posts when GitHub shows something else", async () => {
  const f = fakes({ shown: { state: "pending", context: "slipway/Dockerfile_test", description: "Build #7 queued", targetUrl: null } });
  assert.is(await handleStatusEvent(f.deps, started(), again), Outcome.posted);
  assert.is(f.created.length, 1);
});

test("handler - 5xx and network errors are thrown for a redelivery, nothing is marked", async () => {
  for (const err of [httpError(502), Object.assign(new Error("connect ECONNREFUSED"), { status: 500 })]) {
    const f = fakes({ create: async () => Promise.reject(err) });
    try {
      await handleStatusEvent(f.deps, started(), first);
      assert.unreachable("should throw");
    } catch (thrown) {
      assert.instance(thrown, GithubUnavailableError);
    }
    assert.is(f.marked.size, 0);
  }
});

test("handler - a 4xx is given up after one warning, the message is acked", async () => {
  const f = fakes({ create: async () => Promise.reject(httpError(422)) });
  assert.is(await handleStatusEvent(f.deps, started(), first), Outcome.refused);
  assert.is(f.marked.size, 0);
});

test("handler - no owner, no BuildQueued, not a status event: nothing posted", async () => {
  const ownerless = fakes({ queued: queued(BUILD, { repo: { key: "shop", name: "shop", owner: null } }) });
  assert.is(await handleStatusEvent(ownerless.deps, started(), first), Outcome.noOwner);
  const unknown = fakes({ queued: null });
  assert.is(await handleStatusEvent(unknown.deps, started(), first), Outcome.noQueued);
  const built = event("ImageBuilt", { buildId: BUILD, imageId: "sha256:1", attempt: 1 });
  assert.is(await handleStatusEvent(unknown.deps, built, first), Outcome.notAStatus);
  assert.equal([...ownerless.created, ...unknown.created], []);
});

const order: [Parameters<typeof supersededBy>[0], Pick<BuildRecord, "started" | "terminal">, boolean][] = [
  ["queued", { started: 0, terminal: null }, false],
  ["queued", { started: 1, terminal: null }, true],
  ["queued", { started: 0, terminal: "cancelled" }, true],
  ["started", { started: 2, terminal: null }, false],
  ["started", { started: 1, terminal: "pushed" }, true],
  ["pushed", { started: 1, terminal: "pushed" }, false],
  ["failed", { started: 1, terminal: "failed" }, false],
  ["cancelled", { started: 0, terminal: "cancelled" }, false],
];
for (const [phase, record, expected] of order) {
  test(`order - ${phase} with ${JSON.stringify(record)} is ${expected ? "skipped" : "posted"}`, () => {
    assert.is(supersededBy(phase, record), expected);
  });
}

const failures: [string, unknown, FailureAction][] = [
  ["a 500", httpError(500), "retry"],
  ["a 503", httpError(503), "retry"],
  ["no answer (network)", Object.assign(new Error("fetch failed"), { status: 500 }), "retry"],
  ["a 429", httpError(429), "retry"],
  ["a 403 rate limit", httpError(403, { "x-ratelimit-remaining": "0" }), "retry"],
  ["a 403 secondary rate limit", httpError(403, { "Retry-After": "60" }), "retry"],
  ["a 401 bad token", httpError(401), "give-up"],
  ["a 403 without access", httpError(403, { "x-ratelimit-remaining": "4999" }), "give-up"],
  ["a 404 unknown repository", httpError(404), "give-up"],
  ["a 422 unknown commit", httpError(422), "give-up"],
];
for (const [what, err, expected] of failures) {
  test(`failure - ${what}: ${expected}`, () => {
    assert.is(failureAction(err), expected);
  });
}

test.run();
