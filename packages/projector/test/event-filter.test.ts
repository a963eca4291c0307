import { test } from "uvu";
import * as assert from "uvu/assert";
import { matchesFilter, parseEventFilter, subjectFilter, type EventFilter } from "../src/event-filter.js";
import { BUILD, DELIVERY, failed, pushed, queued, REPO, repoUpdated, started, webhook } from "./fixtures.js";

function parsed(query: Record<string, unknown>): EventFilter {
  const r = parseEventFilter(query);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

test("event filter - parses types (comma list or repeated), repo, build and delivery", () => {
  assert.equal(parsed({}), { types: null, repo: null, build: null, delivery: null });
  assert.equal([...parsed({ type: "BuildFailed,ImagePushed" }).types!], ["BuildFailed", "ImagePushed"]);
  assert.equal([...parsed({ type: ["BuildFailed", "ImagePushed"] }).types!], ["BuildFailed", "ImagePushed"]);
  assert.equal(parsed({ repo: "acme/shop", build: BUILD, delivery: "d-1" }), { types: null, repo: "acme/shop", build: BUILD, delivery: "d-1" });
});

test("event filter - refuses unknown types, log chunks, bad build ids and repeated single values", () => {
  for (const query of [{ type: "Nope" }, { type: "BuildFailed," }, { type: "BuildLogChunk" }, { build: "a.b" }, { build: "" }, { repo: ["a", "b"] }, { delivery: "x".repeat(201) }]) {
    assert.is(parseEventFilter(query).ok, false, JSON.stringify(query));
  }
});

test("event filter - the server filters by build subject, the rest is matched here", () => {
  assert.is(subjectFilter(parsed({ type: "BuildFailed" })), undefined);
  assert.is(subjectFilter(parsed({ build: BUILD })), `ci.build.${BUILD}.*`);
});

test("event filter - matches type, delivery, build and repo (own or looked up)", () => {
  const repoOf = (id: string) => (id === BUILD ? REPO.key : null);
  const cases: [Record<string, unknown>, Parameters<typeof matchesFilter>[1], boolean][] = [
    [{}, webhook(), true],
    [{ type: "BuildFailed,ImagePushed" }, pushed(), true],
    [{ type: "BuildFailed,ImagePushed" }, started(), false],
    [{ delivery: DELIVERY }, started(), true],
    [{ delivery: "other" }, started(), false],
    [{ build: BUILD }, failed(), true],
    [{ build: "bother" }, failed(), false],
    [{ build: BUILD }, webhook(), false],
    [{ repo: REPO.key }, webhook(), true],
    [{ repo: REPO.key }, repoUpdated(), true],
    [{ repo: REPO.key }, queued(), true],
    [{ repo: REPO.key }, started(), true],
    [{ repo: "acme/shop" }, started(), false],
    [{ repo: REPO.key }, started(1, undefined, "bunknown"), false],
    [{ repo: REPO.key, type: "BuildStarted" }, started(), true],
  ];
  for (const [query, event, want] of cases) assert.is(matchesFilter(parsed(query), event, repoOf), want, `${JSON.stringify(query)} ${event.type}`);
});

test.run();
