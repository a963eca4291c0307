import { test } from "uvu";
import * as assert from "uvu/assert";
import { humanLine, isReadyLine, lineSplitter, prefixLine } from "../src/lines.js";

const readiness: [string, boolean][] = [
  ['{"level":30,"msg":"ready","port":6000}', true],
  ['  {"msg":"ready"}  ', true],
  ['{"level":30,"msg":"not ready yet"}', false],
  ['{"level":30,"msg":"Ready"}', false],
  ['{"level":30,"ready":true}', false],
  ["ready", false],
  ['{"msg":"ready"', false],
  ["", false],
];
for (const [line, expected] of readiness) {
  test(`lines - isReadyLine(${JSON.stringify(line)}) is ${expected}`, () => {
    assert.is(isReadyLine(line), expected);
  });
}

test("lines - lineSplitter joins chunks and keeps the unfinished tail until flush", () => {
  const s = lineSplitter();
  assert.equal(s.push("a\nb"), ["a"]);
  assert.equal(s.push("c\r\nd\n"), ["bc", "d"]);
  assert.equal(s.push("tail"), []);
  assert.equal(s.flush(), ["tail"]);
  assert.equal(s.flush(), []);
});

test("lines - prefixLine pads names to one column", () => {
  assert.is(prefixLine("builder", "x", 9), "[builder]   x");
  assert.is(prefixLine("git-sync", "x", 9), "[git-sync]  x");
});

test("lines - humanLine shows level, message and fields but not pino's noise", () => {
  const line = JSON.stringify({ level: 40, time: 1, pid: 2, hostname: "h", name: "ingress", msg: "no secret", port: 6000, addr: { a: 1 } });
  assert.is(humanLine(line), 'WARN  no secret port=6000 addr={"a":1}');
});

test("lines - humanLine leaves non-pino lines alone", () => {
  for (const line of ["plain text", "{broken", '{"no":"msg"}', "[1,2]"]) assert.is(humanLine(line), line);
});

test.run();
