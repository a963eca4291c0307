import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildApp } from "../src/app.js";
import { parseByteRange } from "../src/log-range.js";
import { ProjectionState } from "../src/projection-state.js";
import { BUILD } from "./fixtures.js";

const EMPTY_BUILD = "b00000000000emp1";
/** 26 lines of 10 bytes: "line-0000\n" ... */
const LOG = Array.from({ length: 26 }, (_, i) => `line-${String(i).padStart(4, "0")}\n`).join("");

let logsDir = "";
test.before(async () => {
  logsDir = await mkdtemp(join(tmpdir(), "projector-range-"));
  await writeFile(join(logsDir, `${BUILD}.log`), LOG);
  await writeFile(join(logsDir, `${EMPTY_BUILD}.log`), "");
});
test.after(async () => {
  await rm(logsDir, { recursive: true, force: true });
});

const app = () => buildApp({ readModel: ProjectionState.empty(null), logsDir });
const get = (range?: string, id = BUILD) => app().inject({ method: "GET", url: `/builds/${id}/log`, headers: range === undefined ? {} : { range } });

test("log range - the header read as RFC 9110 says, for one range", () => {
  const size = 1000;
  const cases: [string | undefined, ReturnType<typeof parseByteRange>][] = [
    [undefined, { kind: "whole" }],
    ["bytes=-100", { kind: "part", start: 900, end: 999 }],
    ["bytes=-5000", { kind: "part", start: 0, end: 999 }],
    ["bytes=100-199", { kind: "part", start: 100, end: 199 }],
    ["bytes=100-", { kind: "part", start: 100, end: 999 }],
    ["bytes=900-5000", { kind: "part", start: 900, end: 999 }],
    ["BYTES=0-0", { kind: "part", start: 0, end: 0 }],
    ["bytes=1000-", { kind: "unsatisfiable" }],
    ["bytes=-0", { kind: "unsatisfiable" }],
    // Not understood, or several ranges: ignored, the whole file goes out.
    ["bytes=0-1,5-6", { kind: "whole" }],
    ["bytes=5-2", { kind: "whole" }],
    ["bytes=-", { kind: "whole" }],
    ["items=0-5", { kind: "whole" }],
    ["bytes=abc", { kind: "whole" }],
  ];
  for (const [header, expected] of cases) assert.equal(parseByteRange(header, size), expected, String(header));
  assert.equal(parseByteRange("bytes=-10", 0), { kind: "whole" }, "an empty log has no range to give");
});

test("log range - GET /builds/:id/log says it takes ranges, and sends the whole log without one", async () => {
  const res = await get();
  assert.is(res.statusCode, 200);
  assert.is(res.headers["accept-ranges"], "bytes");
  assert.is(res.body, LOG);
});

test("log range - the tail: bytes=-N is a 206 with the last N bytes and where they start", async () => {
  const res = await get("bytes=-25");
  assert.is(res.statusCode, 206);
  assert.is(res.headers["content-range"], `bytes ${LOG.length - 25}-${LOG.length - 1}/${LOG.length}`);
  assert.match(String(res.headers["content-type"]), /^text\/plain/);
  assert.is(res.body, LOG.slice(-25));
  // Longer than the file: all of it, still as a part that says the size.
  const all = await get("bytes=-100000");
  assert.is(all.statusCode, 206);
  assert.is(all.headers["content-range"], `bytes 0-${LOG.length - 1}/${LOG.length}`);
  assert.is(all.body, LOG);
});

test("log range - earlier parts: bytes=A-B and bytes=A-", async () => {
  const mid = await get("bytes=10-29");
  assert.is(mid.statusCode, 206);
  assert.is(mid.headers["content-range"], `bytes 10-29/${LOG.length}`);
  assert.is(mid.body, "line-0001\nline-0002\n");
  const rest = await get("bytes=250-");
  assert.is(rest.body, "line-0025\n");
});

test("log range - a start past the end is a 416 that says the size; an empty log ignores the range", async () => {
  const res = await get(`bytes=${LOG.length}-`);
  assert.is(res.statusCode, 416);
  assert.is(res.headers["content-range"], `bytes */${LOG.length}`);
  assert.is(res.json().error.code, "RANGE_NOT_SATISFIABLE");
  const empty = await get("bytes=-100", EMPTY_BUILD);
  assert.is(empty.statusCode, 200);
  assert.is(empty.body, "");
  assert.is((await get("bytes=-10", "b0000000000none1")).json().error.code, "LOG_NOT_FOUND");
});

test.run();
