import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeCursor } from "../src/cursor.js";
import { DEFAULT_LIMIT, parseAsOf, parseBuildListQuery, parseDeliveryListQuery, parseRecordQuery, parseRepoQuery, type Parsed } from "../src/list-query.js";

const CURSOR = encodeCursor({ t: 1767268800000, id: "b0000000000000a1" });

test("list query - no parameters: no filter, from the newest, the default page", () => {
  assert.equal(parseBuildListQuery({}), { ok: true, value: { filters: {}, cursor: null, limit: DEFAULT_LIMIT, asOf: null } });
  assert.equal(parseBuildListQuery(undefined), { ok: true, value: { filters: {}, cursor: null, limit: DEFAULT_LIMIT, asOf: null } });
});

test("list query - every build filter, a limit and a cursor", () => {
  const query = { repo: "acme/shop", status: "failed", branch: "main", sha: "a".repeat(40), delivery: "d-1", image: "127.0.0.1:5500/shop", limit: "1000", cursor: CURSOR };
  assert.equal(parseBuildListQuery(query), {
    ok: true,
    value: { filters: { repo: "acme/shop", status: "failed", branch: "main", sha: "a".repeat(40), delivery: "d-1", image: "127.0.0.1:5500/shop" }, cursor: { t: 1767268800000, id: "b0000000000000a1" }, limit: 1000, asOf: null },
  });
  assert.equal(parseDeliveryListQuery({ status: "sync_failed", limit: "1" }), { ok: true, value: { filters: { status: "sync_failed" }, cursor: null, limit: 1, asOf: null } });
  assert.equal(parseRepoQuery({ repo: "acme/shop" }), { ok: true, value: { repo: "acme/shop", asOf: null } });
});

test("list query - asOf is a stream sequence or an ISO 8601 time, on every read route", () => {
  assert.equal(parseAsOf({ asOf: "1234" }), { ok: true, value: { seq: 1234 } });
  assert.equal(parseAsOf({ asOf: "0" }), { ok: true, value: { seq: 0 } });
  assert.equal(parseAsOf({ asOf: "2026-01-01T12:00:00Z" }), { ok: true, value: { timeMs: Date.UTC(2026, 0, 1, 12) } });
  assert.equal(parseAsOf({ asOf: "2026-01-01T13:00:00.500+01:00" }), { ok: true, value: { timeMs: Date.UTC(2026, 0, 1, 12) + 500 } });
  assert.equal(parseAsOf({ asOf: "2026-01-02" }), { ok: true, value: { timeMs: Date.UTC(2026, 0, 2) } });
  assert.equal(parseAsOf({}), { ok: true, value: null });
  const built = parseBuildListQuery({ status: "failed", asOf: "77" });
  assert.equal(built.ok && built.value.asOf, { seq: 77 });
  assert.equal(parseRecordQuery({ asOf: "5" }), { ok: true, value: { asOf: { seq: 5 } } });
});

const refused: [string, (q: unknown) => Parsed<unknown>, Record<string, unknown>, RegExp][] = [
  ["a typo of a filter", parseBuildListQuery, { stauts: "failed" }, /unknown query parameter "stauts"; this route takes repo, status, branch, sha, delivery, image, limit, cursor, asOf/],
  ["an asOf that is no time", parseBuildListQuery, { asOf: "yesterday" }, /asOf must be a stream sequence \(a whole number\) or an ISO 8601 time/],
  ["an impossible date", parseBuildListQuery, { asOf: "2026-13-45T00:00:00Z" }, /asOf must be/],
  ["a negative sequence", parseBuildListQuery, { asOf: "-3" }, /asOf must be/],
  ["asOf given twice", parseBuildListQuery, { asOf: ["1", "2"] }, /asOf must be given once/],
  ["filters on one record", parseRecordQuery, { status: "failed" }, /unknown query parameter "status"; this route takes asOf$/],
  ["a build filter on deliveries", parseDeliveryListQuery, { branch: "main" }, /unknown query parameter "branch"/],
  ["paging on /repos", parseRepoQuery, { limit: "5" }, /unknown query parameter "limit"; this route takes repo, asOf$/],
  ["a status of the other list", parseBuildListQuery, { status: "ignored" }, /status must be one of queued, running, succeeded, failed, cancelled/],
  ["a build status on deliveries", parseDeliveryListQuery, { status: "failed" }, /status must be one of received, synced, sync_failed, ignored/],
  ["an empty filter", parseBuildListQuery, { sha: "" }, /sha must not be empty/],
  ["a filter given twice", parseBuildListQuery, { branch: ["a", "b"] }, /branch must be given once/],
  ["a limit over the page size", parseBuildListQuery, { limit: "1001" }, /limit must be a whole number from 1 to 1000/],
  ["a made-up cursor", parseBuildListQuery, { cursor: "page2" }, /cursor is not one this API gave out/],
  ["a cursor given twice", parseBuildListQuery, { cursor: [CURSOR, CURSOR] }, /cursor must be given once/],
];
for (const [name, parse, query, message] of refused) {
  test(`list query - refuses ${name}`, () => {
    const parsed = parse(query);
    if (parsed.ok) return assert.unreachable(`accepted ${JSON.stringify(query)}`);
    assert.match(parsed.message, message);
  });
}

test.run();
