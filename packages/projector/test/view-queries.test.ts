import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event } from "@slipway/events";
import { decodeCursor, encodeCursor } from "../src/cursor.js";
import { applyEvent } from "../src/evolve.js";
import type { ListQuery } from "../src/list-query.js";
import { ProjectionState, type ViewAt } from "../src/projection-state.js";
import { emptyModel, type ReadModel } from "../src/read-model.js";
import type { BuildFilter, DeliveryFilter } from "../src/view-queries.js";
import { ev, t } from "./fixtures.js";
import { buildIdOf, deliveryIdOf, expectedIds, messyHistory, queuedOf, REPOS } from "./history.js";

/** The view of `events` (sequences 1..n) in SQLite. */
function stateOf(events: Event[]): ProjectionState {
  const state = ProjectionState.empty(null);
  events.forEach((e, i) => state.apply(e, i + 1));
  return state;
}

/** The same events folded into plain maps: the oracle the tables must agree with. */
function modelOf(events: Event[]): ReadModel {
  const model = emptyModel();
  events.forEach((e, i) => applyEvent(model, e, i + 1));
  return model;
}

/** Runs `read` on the view now. */
const now = <T>(state: ProjectionState, read: (view: ViewAt) => T): T => state.read(read);
const listBuilds = (state: ProjectionState, q: ListQuery<BuildFilter>) => now(state, (v) => v.queries.listBuilds(q));

/** Every page of a query at one point, followed by its cursors; checks each page's size and the last cursor. */
function allPages(view: ViewAt, filters: ListQuery<BuildFilter>["filters"], limit: number): string[] {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = view.queries.listBuilds({ filters, limit, cursor: cursor === null ? null : decodeCursor(cursor) });
    assert.ok(page.builds.length <= limit);
    ids.push(...page.builds.map((b) => b.id));
    if (page.nextCursor === null) return ids;
    assert.is(page.builds.length, limit, "a page before the last is full");
    cursor = page.nextCursor;
  }
  throw new Error("paging does not end");
}

const QUERIES: ListQuery<BuildFilter>["filters"][] = [
  {},
  { repo: "acme/shop" },
  { repo: "acme/shop-x", status: "succeeded" },
  { status: "queued" },
  { status: "running", branch: "dev" },
  { branch: "feature/x", repo: "beta/api", status: "failed" },
  { sha: "3".repeat(40) },
  { delivery: deliveryIdOf(42) },
  { image: "127.0.0.1:5500/shop_test", status: "queued" },
  { image: "127.0.0.1:5500/x", branch: "main" },
  { repo: "acme/shop", image: "127.0.0.1:5500/api" },
  { repo: "nobody/none" },
];

test("view - every filter and combination pages like filter-then-sort, and again after a reopen", () => {
  const events = messyHistory(1, 1500);
  const state = stateOf(events);
  const builds = [...modelOf(events).builds.values()];
  assert.ok(builds.length > 1500, `${builds.length} builds`);
  for (const filters of QUERIES) {
    const expected = expectedIds(builds, filters);
    for (const limit of [1, 7, 100, 1000]) {
      if (limit === 1 && expected.length > 300) continue;
      assert.equal(now(state, (v) => allPages(v, filters, limit)), expected, `${JSON.stringify(filters)} limit ${limit}`);
    }
  }
});

test("view - stays right at every step of a history (status moves, late and early events)", () => {
  const events = messyHistory(2, 300);
  const state = ProjectionState.empty(null);
  const model = emptyModel();
  events.forEach((e, i) => {
    state.apply(e, i + 1);
    applyEvent(model, e, i + 1);
    if (i % 40 === 0) state.commit();
    if (i % 40 !== 0 && i !== events.length - 1) return;
    const builds = [...model.builds.values()];
    for (const filters of QUERIES) assert.equal(now(state, (v) => allPages(v, filters, 25)), expectedIds(builds, filters), `after event ${i + 1}: ${JSON.stringify(filters)}`);
  });
});

test("view - a history delivered twice lists as after one pass", () => {
  const events = messyHistory(6, 200);
  const once = stateOf(events);
  const twice = stateOf([...events, ...events]);
  for (const filters of QUERIES) assert.equal(now(twice, (v) => allPages(v, filters, 30)), now(once, (v) => allPages(v, filters, 30)), JSON.stringify(filters));
  assert.equal(now(twice, (v) => v.queries.listRepos({ repo: null })), now(once, (v) => v.queries.listRepos({ repo: null })));
});

test("view - a status change moves the build from one status list to the next", () => {
  const id = buildIdOf(1);
  const state = stateOf([queuedOf(1, 10, 1)]);
  const ids = (status: string) => listBuilds(state, { filters: { status }, cursor: null, limit: 10 }).builds.map((b) => b.id);
  assert.equal(ids("queued"), [id]);
  state.apply(ev("BuildStarted", { buildId: id, builder: "h:1", attempt: 1 }, "s-1", t(11)), 2);
  assert.equal([ids("queued"), ids("running")], [[], [id]]);
  state.apply(ev("ImagePushed", { buildId: id, image: "127.0.0.1:5500/shop", tags: [], digest: "sha256:" + "d".repeat(64), attempt: 1 }, "p-1", t(12)), 3);
  assert.equal([ids("running"), ids("succeeded")], [[], [id]]);
});

test("view - a cursor stays put while builds are added: no page repeats or skips one", () => {
  const state = stateOf(Array.from({ length: 250 }, (_, i) => queuedOf(i, i, i)));
  let seq = 250;
  const first = listBuilds(state, { filters: {}, cursor: null, limit: 100 });
  assert.equal(first.builds.map((b) => b.id), Array.from({ length: 100 }, (_, i) => buildIdOf(249 - i)));
  // Between two page requests: 50 newer builds, and one that arrives late with an older time.
  for (let i = 250; i < 300; i++) state.apply(queuedOf(i, 1000 + i, i), ++seq);
  state.apply(queuedOf(999, 10.5, 999), ++seq);
  const rest: string[] = [];
  let cursor = first.nextCursor;
  while (cursor !== null) {
    const page = listBuilds(state, { filters: {}, cursor: decodeCursor(cursor), limit: 100 });
    rest.push(...page.builds.map((b) => b.id));
    cursor = page.nextCursor;
  }
  const seen = [...first.builds.map((b) => b.id), ...rest];
  assert.is(new Set(seen).size, seen.length, "no build twice");
  const before = Array.from({ length: 250 }, (_, i) => buildIdOf(249 - i));
  assert.equal(seen.filter((id) => id !== buildIdOf(999)), before, "every build of the first listing, once, in order");
  assert.ok(seen.includes(buildIdOf(999)), "the late, older build shows in its place");
  assert.not.ok(seen.includes(buildIdOf(260)), "newer builds sort before the cursor");
});

test("view - deliveries page newest first by receivedAt, filtered by repo and status", () => {
  const events = messyHistory(3, 400);
  const state = stateOf(events);
  const deliveries = [...modelOf(events).deliveries.values()];
  for (const filters of [{}, { repo: "beta/api" }, { status: "ignored" as const }, { repo: "gamma", status: "sync_failed" as const }]) {
    const expected = deliveries
      .filter((d) => (filters.repo === undefined || d.repo === filters.repo) && (filters.status === undefined || d.status === filters.status))
      .sort((a, b) => Date.parse(b.receivedAt) - Date.parse(a.receivedAt) || (a.deliveryId < b.deliveryId ? 1 : -1))
      .map((d) => d.deliveryId);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const q: ListQuery<DeliveryFilter> = { filters, cursor: cursor === null ? null : decodeCursor(cursor), limit: 30 };
      const page = now(state, (v) => v.queries.listDeliveries(q));
      ids.push(...page.deliveries.map((d) => d.deliveryId));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.equal(ids, expected, JSON.stringify(filters));
  }
});

test("view - /repos gives each repo's Dockerfiles with their newest build, in name order", () => {
  const events = messyHistory(4, 500);
  const state = stateOf(events);
  const model = modelOf(events);
  const { repos } = now(state, (v) => v.queries.listRepos({ repo: null }));
  const builds = [...model.builds.values()].filter((b) => b.repo !== "" && b.dockerfile !== "");
  const expected = [...new Set(builds.map((b) => b.repo))].sort().map((repo) => ({
    repo,
    dockerfiles: [...new Set(builds.filter((b) => b.repo === repo).map((b) => b.dockerfile))].sort().map((dockerfile) => ({
      dockerfile,
      id: expectedIds(builds, { repo }).find((id) => model.builds.get(id)?.dockerfile === dockerfile),
    })),
  }));
  assert.equal(
    repos.map((r) => ({ repo: r.repo, dockerfiles: r.dockerfiles.map((d) => ({ dockerfile: d.dockerfile, id: d.lastBuild.id })) })),
    expected,
  );
  // One repo: `acme/shop` alone, not `acme/shop-x` that sorts right after it.
  assert.equal(now(state, (v) => v.queries.listRepos({ repo: REPOS[0]!.key })).repos.map((r) => r.repo), ["acme/shop"]);
  assert.equal(now(state, (v) => v.queries.listRepos({ repo: "nobody/none" })).repos, []);
});

test("view - a build whose queuedAt moves (failure seen before its queueing) moves in every list", () => {
  const id = buildIdOf(7);
  const early = ev("BuildFailed", { buildId: id, stage: "infrastructure", code: "X", message: "early", attempt: 0 }, "f-early", t(50), deliveryIdOf(7));
  const state = stateOf([queuedOf(1, 40, 1), queuedOf(2, 60, 2), early]);
  const ids = () => listBuilds(state, { filters: {}, cursor: null, limit: 10 }).builds.map((b) => b.id);
  assert.equal(ids(), [buildIdOf(2), id, buildIdOf(1)]);
  state.apply(queuedOf(7, 30, 7, REPOS[2]), 4);
  assert.equal(ids(), [buildIdOf(2), buildIdOf(1), id]);
  assert.equal(listBuilds(state, { filters: { repo: "beta/api", status: "failed" }, cursor: null, limit: 10 }).builds.map((b) => b.id), [id]);
  assert.equal(now(state, (v) => v.queries.listRepos({ repo: "beta/api" })).repos[0]?.dockerfiles[0]?.lastBuild.id, id);
});

test("view - asOf a sequence answers every query as the view was right after it", () => {
  const events = messyHistory(8, 300);
  const state = stateOf(events);
  state.commit();
  const nowIds = now(state, (v) => allPages(v, {}, 100));
  for (const seq of [0, 1, 2, 37, 250, Math.floor(events.length / 2), events.length - 1]) {
    const model = modelOf(events.slice(0, seq));
    const builds = [...model.builds.values()];
    state.read((v) => {
      assert.is(v.seq, seq);
      for (const filters of QUERIES) assert.equal(allPages(v, filters, 40), expectedIds(builds, filters), `asOf ${seq}: ${JSON.stringify(filters)}`);
      for (const b of builds.slice(0, 50)) assert.equal(v.getBuild(b.id), b, `asOf ${seq}: build ${b.id}`);
      for (const d of [...model.deliveries.values()].slice(0, 50)) assert.equal(v.getDelivery(d.deliveryId), d, `asOf ${seq}: delivery ${d.deliveryId}`);
      assert.is(v.getBuild(buildIdOf(1_000_000)), undefined);
    }, seq);
  }
  // Nothing of it stays: the view now is as before, and a later asOf is the view now.
  assert.equal(now(state, (v) => allPages(v, {}, 100)), nowIds);
  assert.equal(state.read((v) => allPages(v, {}, 100), events.length + 50), nowIds);
});

test("view - asOf works inside an uncommitted batch, and the batch commits whole afterwards", () => {
  const events = messyHistory(9, 120);
  const state = ProjectionState.empty(null);
  const half = Math.floor(events.length / 2);
  events.slice(0, half).forEach((e, i) => state.apply(e, i + 1));
  state.commit();
  events.slice(half).forEach((e, i) => state.apply(e, half + i + 1));
  const at = half + 10;
  const expected = expectedIds(modelOf(events.slice(0, at)).builds.values(), {});
  assert.equal(state.read((v) => allPages(v, {}, 1000), at), expected);
  state.commit();
  assert.equal(now(state, (v) => allPages(v, {}, 1000)), expectedIds(modelOf(events).builds.values(), {}));
});

test("view - sequenceAt maps a time to the last sequence before the first event stamped after it", () => {
  const state = stateOf([queuedOf(1, 10, 1), queuedOf(2, 20, 2), queuedOf(3, 30, 3)]);
  assert.is(state.sequenceAt(t(5).getTime()), 0);
  assert.is(state.sequenceAt(t(10).getTime()), 1);
  assert.is(state.sequenceAt(t(25).getTime()), 2);
  assert.is(state.sequenceAt(t(30).getTime()), 3);
  assert.is(state.sequenceAt(t(99).getTime()), 3);
});

test("view - a rollback drops what was applied since the last commit", () => {
  const state = stateOf([queuedOf(1, 10, 1)]);
  state.commit();
  state.apply(queuedOf(2, 20, 2), 2);
  assert.is(listBuilds(state, { filters: {}, cursor: null, limit: 10 }).builds.length, 2);
  state.rollback();
  assert.is(state.checkpoint(), 1);
  assert.equal(listBuilds(state, { filters: {}, cursor: null, limit: 10 }).builds.map((b) => b.id), [buildIdOf(1)]);
  state.apply(queuedOf(2, 20, 2), 2);
  assert.is(state.commit(), 2);
  // Nothing read in between: the event applied before the rollback was never stored, and is not later.
  state.apply(queuedOf(3, 30, 3), 3);
  state.rollback();
  state.apply(queuedOf(3, 31, 3), 3);
  assert.is(state.commit(), 3);
  assert.is(state.sequenceAt(t(30.5).getTime()), 2, "the event kept is the one applied after the rollback");
});

test("cursor - encodes a key and reads it back; anything else is refused", () => {
  const key = { t: Date.UTC(2026, 0, 1), id: "b3f9a0c1d2e4f567" };
  const text = encodeCursor(key);
  assert.match(text, /^[A-Za-z0-9_-]+$/);
  assert.equal(decodeCursor(text), key);
  for (const bad of ["", "!!", "bm9wZQ", Buffer.from("12|").toString("base64url"), Buffer.from("x|b1").toString("base64url"), "a".repeat(2000)]) {
    assert.is(decodeCursor(bad), null, bad);
  }
});

test.run();
