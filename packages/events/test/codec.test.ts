import { test } from "uvu";
import * as assert from "uvu/assert";
import { catalog } from "../src/catalog.js";
import { createEvent, decodeEvent, encodeEvent, subjectOf } from "../src/codec.js";
import { InvalidEventError, UnsupportedVersionError } from "../src/errors.js";
import { buildIdFor, stableId } from "../src/ids.js";

const links = { id: "e1", correlationId: "d1", causationId: null };
const queued = {
  buildId: "b0123456789abcde",
  deliveryId: "d1",
  repo: { key: "acme/app", name: "app", owner: "acme" },
  sha: "a".repeat(40),
  branch: "master",
  dockerfile: "Dockerfile_test",
  image: "127.0.0.1:5500/app_test",
  tags: ["a".repeat(40), "1"],
  buildNumber: 1,
  contextObject: "acme/app@" + "a".repeat(40),
};

test("codec - a valid event round trips and keeps its subject", () => {
  const event = createEvent("BuildQueued", queued, links);
  const decoded = decodeEvent(encodeEvent(event));
  assert.equal(decoded, event);
  assert.is(subjectOf(decoded), "ci.build.b0123456789abcde.queued");
  assert.is(decoded.version, catalog.BuildQueued.version);
});

test("codec - createEvent refuses data that breaks the schema, naming the field", () => {
  const err = (() => {
    try {
      createEvent("BuildQueued", { ...queued, sha: "test" }, links);
    } catch (e) {
      return e;
    }
  })();
  assert.instance(err, InvalidEventError);
  assert.match((err as Error).message, /\/sha/);
});

test("codec - decode refuses non-JSON, unknown types and bad data", () => {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v));
  const good = createEvent("BuildQueued", queued, links);
  assert.throws(() => decodeEvent(Buffer.from("{nope")), (e: unknown) => e instanceof InvalidEventError);
  assert.throws(() => decodeEvent(enc({ ...good, type: "Nope" })), /unknown event type/);
  assert.throws(() => decodeEvent(enc({ ...good, data: { ...queued, tags: [] } })), /tags/);
  assert.throws(() => decodeEvent(enc({ ...good, time: "yesterday" })), /time/);
});

test("codec - decode refuses a version newer than it knows", () => {
  const good = createEvent("BuildQueued", queued, links);
  const newer = Buffer.from(JSON.stringify({ ...good, version: 99 }));
  assert.throws(() => decodeEvent(newer), (e: unknown) => e instanceof UnsupportedVersionError);
});

test("ids - stable for the same parts, different otherwise, unambiguous joins", () => {
  assert.is(stableId("a", "b"), stableId("a", "b"));
  assert.is.not(stableId("a", "b"), stableId("ab"));
  assert.is.not(stableId("a", "bc"), stableId("ab", "c"));
  assert.is(buildIdFor("d1", "Dockerfile"), buildIdFor("d1", "Dockerfile"));
  assert.is.not(buildIdFor("d1", "Dockerfile"), buildIdFor("d1", "Dockerfile_test"));
  assert.match(buildIdFor("d1", "Dockerfile"), /^[A-Za-z0-9_-]{1,64}$/);
});

test.run();
