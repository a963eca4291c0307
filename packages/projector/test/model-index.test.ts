import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event } from "@slipway/events";
import { decodeCursor, encodeCursor } from "../src/cursor.js";
import type { ListQuery } from "../src/list-query.js";
import { ModelIndex, type BuildFilter } from "../src/model-index.js";
import { ProjectionState } from "../src/projection-state.js";
import { listBuilds, listDeliveries, type QuerySource } from "../src/queries.js";
import { listRepos } from "../src/repos-query.js";
import { ev, t } from "./fixtures.js";
import { buildIdOf, deliveryIdOf, expectedIds, messyHistory, queuedOf, REPOS } from "./history.js";

/** The events applied to a state whose every list exists from the start, so each follows every change. */
function stateOf(events: Event[]): ProjectionState {
  const state = ProjectionState.empty(null);
  state.index().warm();
  events.forEach((e, i) => state.apply(e, i + 1));
  return state;
}

const live = (state: ProjectionState): QuerySource => ({ model: state.model(), index: state.index() });
/** The index a snapshot load gives: the order sorted once, each field's lists built on first use. */
const rebuilt = (state: ProjectionState): QuerySource => ({ model: state.model(), index: ModelIndex.of(state.model()) });

/** Every page of a query, followed by its cursors; checks each page's size and the last cursor. */
function allPages(source: QuerySource, filters: ListQuery<BuildFilter>["filters"], limit: number): string[] {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = listBuilds(source, { filters, limit, cursor: cursor === null ? null : decodeCursor(cursor) });
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

test("index - every filter and combination pages like filter-then-sort, live and rebuilt", () => {
  const state = stateOf(messyHistory(1, 1500));
  const builds = [...state.model().builds.values()];
  assert.ok(builds.length > 1500, `${builds.length} builds`);
  assert.is(state.index().builds.size, builds.length, "every build once in the order");
  assert.is(state.index().deliveries.size, state.model().deliveries.size);
  for (const filters of QUERIES) {
    const expected = expectedIds(builds, filters);
    for (const limit of [1, 7, 100, 1000]) {
      if (limit === 1 && expected.length > 300) continue;
      assert.equal(allPages(live(state), filters, limit), expected, `${JSON.stringify(filters)} limit ${limit}`);
    }
    assert.equal(allPages(rebuilt(state), filters, 100), expected, `${JSON.stringify(filters)} rebuilt`);
  }
});

test("index - stays right at every step of a history (status moves, late and early events)", () => {
  const events = messyHistory(2, 300);
  const state = ProjectionState.empty(null);
  // Fields built lazily at the first check below, then kept up to date by every event after it.
  events.forEach((e, i) => {
    state.apply(e, i + 1);
    if (i % 40 !== 0 && i !== events.length - 1) return;
    const builds = [...state.model().builds.values()];
    for (const filters of QUERIES) assert.equal(allPages(live(state), filters, 25), expectedIds(builds, filters), `after event ${i + 1}: ${JSON.stringify(filters)}`);
  });
});

test("index - after a snapshot load, lists built on first use (and those not yet) follow later events", () => {
  const events = messyHistory(5, 600);
  const half = Math.floor(events.length / 2);
  const saved = stateOf(events.slice(0, half));
  const state = ProjectionState.fromSnapshot(saved.toSnapshot());
  // Two fields built now, the others only at the checks after the rest of the history.
  listBuilds(live(state), { filters: { repo: "acme/shop", status: "failed" }, cursor: null, limit: 1 });
  events.slice(half).forEach((e, i) => state.apply(e, half + i + 1));
  const builds = [...state.model().builds.values()];
  for (const filters of QUERIES) assert.equal(allPages(live(state), filters, 50), expectedIds(builds, filters), JSON.stringify(filters));
});

test("index - a history delivered twice lists as after one pass", () => {
  const events = messyHistory(6, 200);
  const once = stateOf(events);
  const twice = stateOf([...events, ...events]);
  for (const filters of QUERIES) assert.equal(allPages(live(twice), filters, 30), allPages(live(once), filters, 30), JSON.stringify(filters));
  assert.equal(listRepos(live(twice), { repo: null }), listRepos(live(once), { repo: null }));
});

test("index - a status change moves the build from one status list to the next", () => {
  const id = buildIdOf(1);
  const state = stateOf([queuedOf(1, 10, 1)]);
  const ids = (status: string) => listBuilds(live(state), { filters: { status }, cursor: null, limit: 10 }).builds.map((b) => b.id);
  assert.equal(ids("queued"), [id]);
  state.apply(ev("BuildStarted", { buildId: id, builder: "h:1", attempt: 1 }, "s-1", t(11)), 2);
  assert.equal([ids("queued"), ids("running")], [[], [id]]);
  state.apply(ev("ImagePushed", { buildId: id, image: "127.0.0.1:5500/shop", tags: [], digest: "sha256:" + "d".repeat(64), attempt: 1 }, "p-1", t(12)), 3);
  assert.equal([ids("running"), ids("succeeded")], [[], [id]]);
});

test("index - a cursor stays put while builds are added: no page repeats or skips one", () => {
  const state = stateOf(Array.from({ length: 250 }, (_, i) => queuedOf(i, i, i)));
  let seq = 250;
  const first = listBuilds(live(state), { filters: {}, cursor: null, limit: 100 });
  assert.equal(first.builds.map((b) => b.id), expectedIds(state.model().builds.values(), {}).slice(0, 100));
  // Between two page requests: 50 newer builds, and one that arrives late with an older time.
  for (let i = 250; i < 300; i++) state.apply(queuedOf(i, 1000 + i, i), ++seq);
  state.apply(queuedOf(999, 10.5, 999), ++seq);
  const rest: string[] = [];
  let cursor = first.nextCursor;
  while (cursor !== null) {
    const page = listBuilds(live(state), { filters: {}, cursor: decodeCursor(cursor), limit: 100 });
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

test("index - deliveries page newest first by receivedAt, filtered by repo and status", () => {
  const state = stateOf(messyHistory(3, 400));
  const deliveries = [...state.model().deliveries.values()];
  for (const filters of [{}, { repo: "beta/api" }, { status: "ignored" as const }, { repo: "gamma", status: "sync_failed" as const }]) {
    const expected = deliveries
      .filter((d) => (filters.repo === undefined || d.repo === filters.repo) && (filters.status === undefined || d.status === filters.status))
      .sort((a, b) => Date.parse(b.receivedAt) - Date.parse(a.receivedAt) || (a.deliveryId < b.deliveryId ? 1 : -1))
      .map((d) => d.deliveryId);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = listDeliveries(live(state), { filters, cursor: cursor === null ? null : decodeCursor(cursor), limit: 30 });
      ids.push(...page.deliveries.map((d) => d.deliveryId));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.equal(ids, expected, JSON.stringify(filters));
  }
});

test("index - /repos gives each repo's Dockerfiles with their newest build, in name order", () => {
  const state = stateOf(messyHistory(4, 500));
  const { repos } = listRepos(live(state), { repo: null });
  const builds = [...state.model().builds.values()].filter((b) => b.repo !== "" && b.dockerfile !== "");
  const expected = [...new Set(builds.map((b) => b.repo))].sort().map((repo) => ({
    repo,
    dockerfiles: [...new Set(builds.filter((b) => b.repo === repo).map((b) => b.dockerfile))].sort().map((dockerfile) => ({
      dockerfile,
      id: expectedIds(builds, { repo }).find((id) => state.model().builds.get(id)?.dockerfile === dockerfile),
    })),
  }));
  assert.equal(
    repos.map((r) => ({ repo: r.repo, dockerfiles: r.dockerfiles.map((d) => ({ dockerfile: d.dockerfile, id: d.lastBuild.id })) })),
    expected,
  );
  assert.equal(listRepos(rebuilt(state), { repo: null }), { repos });
  // One repo: `acme/shop` alone, not `acme/shop-x` that sorts right after it.
  assert.equal(listRepos(live(state), { repo: REPOS[0]!.key }).repos.map((r) => r.repo), ["acme/shop"]);
  assert.equal(listRepos(live(state), { repo: "nobody/none" }).repos, []);
});

test("index - a build whose queuedAt moves (failure seen before its queueing) moves in every list", () => {
  const id = buildIdOf(7);
  const early = ev("BuildFailed", { buildId: id, stage: "infrastructure", code: "X", message: "early", attempt: 0 }, "f-early", t(50), deliveryIdOf(7));
  const state = stateOf([queuedOf(1, 40, 1), queuedOf(2, 60, 2), early]);
  const ids = () => listBuilds(live(state), { filters: {}, cursor: null, limit: 10 }).builds.map((b) => b.id);
  assert.equal(ids(), [buildIdOf(2), id, buildIdOf(1)]);
  state.apply(queuedOf(7, 30, 7, REPOS[2]), 4);
  assert.equal(ids(), [buildIdOf(2), buildIdOf(1), id]);
  assert.equal(listBuilds(live(state), { filters: { repo: "beta/api", status: "failed" }, cursor: null, limit: 10 }).builds.map((b) => b.id), [id]);
  assert.equal(listRepos(live(state), { repo: "beta/api" }).repos[0]?.dockerfiles[0]?.lastBuild.id, id);
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
