import { test } from "uvu";
import * as assert from "uvu/assert";
import { palette, visibleWidth } from "../src/output/color.js";
import { bytes, count } from "../src/output/numbers.js";
import { table } from "../src/output/table.js";
import { clock, duration, relativeTime } from "../src/output/time.js";

test("table - columns align, two spaces apart, the last one unpadded", () => {
  const out = table(["ID", "STATUS", "REPO"], [["b1", "succeeded", "acme/shop"], ["b22222", "failed", "gamma"]]);
  assert.is(out, "ID      STATUS     REPO\nb1      succeeded  acme/shop\nb22222  failed     gamma\n");
  assert.not.match(out, / \n/, "no trailing blanks");
});

test("table - colour escapes take no room, right-aligned columns pad on the left", () => {
  const p = palette(true);
  const out = table(["NAME", "N"], [[p.red("ab"), "5"], ["abcd", "1,234"]], new Set([1]));
  const lines = out.trimEnd().split("\n").map((l) => l.replace(/\u001b\[[0-9;]*m/g, ""));
  assert.equal(lines, ["NAME      N", "ab        5", "abcd  1,234"]);
  assert.is(visibleWidth(p.bold(p.green("héllo"))), 5);
});

test("palette - off leaves text as it is", () => {
  const p = palette(false);
  assert.is(p.red("x") + p.dim("y") + p.bold("z"), "xyz");
});

test("time - relative times read as people say them, a date after a month", () => {
  const now = Date.parse("2026-11-26T12:00:00Z");
  const ago = (ms: number) => relativeTime(new Date(now - ms).toISOString(), now);
  assert.is(ago(2_000), "just now");
  assert.is(ago(-3_000), "just now", "a clock a little ahead");
  assert.is(ago(12_000), "12 s ago");
  assert.is(ago(3 * 60_000 + 20_000), "3 min ago");
  assert.is(ago(5 * 3_600_000), "5 h ago");
  assert.is(ago(3 * 86_400_000), "3 days ago");
  assert.is(ago(40 * 86_400_000), "2026-10-17");
  assert.is(relativeTime(null, now), "-");
});

test("time - durations from milliseconds to hours", () => {
  assert.is(duration(850), "850 ms");
  assert.is(duration(12_340), "12.3 s");
  assert.is(duration(65_000), "1 min 05 s");
  assert.is(duration(2 * 3_600_000 + 3 * 60_000), "2 h 03 min");
  assert.is(duration(null), "-");
  assert.is(duration(-5), "-");
});

test("time - clock is the local wall time to the millisecond", () => {
  const at = new Date(2026, 0, 2, 3, 4, 5, 67);
  assert.is(clock(at), "03:04:05.067");
});

test("numbers - bytes in binary units, counts with separators", () => {
  assert.is(bytes(512), "512 B");
  assert.is(bytes(1536), "1.5 KiB");
  assert.is(bytes(340 * 1024 * 1024), "340 MiB");
  assert.is(count(1234567), "1,234,567");
});

test.run();
