import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { dashboardDir, VENDOR_PREFIX, vendorModules } from "../src/index.js";

const PUBLIC = dashboardDir();

/** The page's modules are plain browser JS: loaded here by URL, typed by what the tests use. */
type Format = {
  formatDuration(ms: number | null): string;
  formatRelative(iso: string, nowMs: number): string;
  shortSha(sha: string): string;
  stageTimings(build: object, nowMs: number): { name: string; ms: number; running: boolean }[];
  parseContentRange(header: string | null): { start: number; end: number; size: number } | null;
  parseImageDigest(text: string, image?: string): { image?: string; digest?: string; error?: string };
  matchesFilters(build: object, filters: object): boolean;
  compareBuilds(a: object, b: object): number;
  lastSeq(record: object): number;
};
type Split = { lines: string[]; next: number; carry: Uint8Array; more: boolean };
type LogLines = {
  LineSplitter: new () => { push(text: string): string[]; partial: string };
  splitRange(bytes: Uint8Array, start: number, carry: Uint8Array, o: { tail: boolean; maxLines: number }): Split;
};
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(PUBLIC, file)).href)) as T;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

test("dashboard - the libraries' browser builds resolve, self-contained, under /assets/vendor/", () => {
  const vendor = vendorModules();
  assert.equal(Object.keys(vendor).sort(), [`${VENDOR_PREFIX}ansi_up.js`, `${VENDOR_PREFIX}eventsource-parser.js`]);
  for (const [url, file] of Object.entries(vendor)) {
    assert.ok(existsSync(file), `${url} -> ${file}`);
    const text = readFileSync(file, "utf8");
    assert.match(text, /^export /m, `${url} is an ES module`);
    assert.not.match(text, /^import /m, `${url} imports nothing (the browser could not resolve a bare name)`);
  }
});

test("dashboard - every import of the page resolves to a file it serves; nothing comes from another origin", () => {
  const vendor = vendorModules();
  const all = files(PUBLIC);
  assert.ok(all.some((f) => f.endsWith("index.html")));
  for (const file of all) {
    const text = readFileSync(file, "utf8");
    const name = relative(PUBLIC, file);
    // Loads from elsewhere: src/href/import/url() of an absolute URL (an SVG's xmlns is a name, not a load).
    assert.not.match(text, /(src|href)=["']?(https?:)?\/\//i, `${name} loads nothing from another origin`);
    assert.not.match(text, /(from|import)\s*\(?\s*["'](https?:)?\/\//, `${name} imports nothing from another origin`);
    assert.not.match(text, /url\(\s*["']?(https?:)?\/\//, `${name} has no remote url()`);
    if (!file.endsWith(".js")) continue;
    for (const m of text.matchAll(/^\s*import\s[^"']*["']([^"']+)["']/gm)) {
      const spec = m[1]!;
      if (spec.startsWith(VENDOR_PREFIX)) assert.ok(vendor[spec], `${name}: ${spec} is a vendor module`);
      else {
        assert.ok(spec.startsWith("./") || spec.startsWith("../"), `${name}: ${spec} is relative`);
        assert.ok(existsSync(resolve(dirname(file), spec)), `${name}: ${spec} exists`);
      }
    }
  }
  const html = readFileSync(join(PUBLIC, "index.html"), "utf8");
  for (const m of html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)) assert.ok(existsSync(join(PUBLIC, m[1]!)), `index.html: /assets/${m[1]}`);
});

test("dashboard - durations, relative times and short shas read as a person would say them", async () => {
  const f = await load<Format>("format.js");
  assert.is(f.formatDuration(850), "0.9 s");
  assert.is(f.formatDuration(12_400), "12 s");
  assert.is(f.formatDuration(72_000), "1 min 12 s");
  assert.is(f.formatDuration(120_000), "2 min");
  assert.is(f.formatDuration(3_720_000), "1 h 2 min");
  assert.is(f.formatDuration(null), "—");
  const now = Date.parse("2026-01-01T12:00:00Z");
  assert.is(f.formatRelative("2026-01-01T11:59:58Z", now), "just now");
  assert.is(f.formatRelative("2026-01-01T11:59:00Z", now), "1 min ago");
  assert.is(f.formatRelative("2026-01-01T11:59:18Z", now), "42 s ago");
  assert.is(f.formatRelative("2026-01-01T11:55:00Z", now), "5 min ago");
  assert.is(f.formatRelative("2026-01-01T09:00:00Z", now), "3 h ago");
  assert.is(f.formatRelative("2025-12-29T12:00:00Z", now), "3 d ago");
  assert.is(f.shortSha("0123456789abcdef"), "0123456");
  assert.equal(f.parseContentRange("bytes 10-19/100"), { start: 10, end: 19, size: 100 });
  assert.is(f.parseContentRange(null), null);
});

test("dashboard - timings per stage from a build's events, running stages counting on", async () => {
  const f = await load<Format>("format.js");
  const at = (s: number) => new Date(Date.parse("2026-01-01T12:00:00Z") + s * 1000).toISOString();
  const ev = (type: string, s: number, seq: number) => ({ type, time: at(s), seq, id: `${type}-${seq}` });
  const done = { status: "succeeded", queuedAt: at(0), startedAt: at(2), finishedAt: at(9), durationMs: 7000, events: [ev("BuildQueued", 0, 3), ev("BuildStarted", 2, 4), ev("ImageBuilt", 7, 5), ev("ImagePushed", 9, 6)] };
  assert.equal(f.stageTimings(done, Date.parse(at(100))).map((s) => [s.name, s.ms, s.running]), [["waiting for a builder", 2000, false], ["build", 5000, false], ["push", 2000, false]]);
  const running = { status: "running", queuedAt: at(0), startedAt: at(2), finishedAt: null, durationMs: null, events: done.events.slice(0, 2) };
  assert.equal(f.stageTimings(running, Date.parse(at(5))).map((s) => [s.name, s.ms, s.running]), [["waiting for a builder", 2000, false], ["build", 3000, true]]);
  const cancelledQueued = { status: "cancelled", queuedAt: at(0), startedAt: null, finishedAt: at(4), durationMs: null, events: [ev("BuildQueued", 0, 3), ev("BuildCancelled", 4, 4)] };
  assert.equal(f.stageTimings(cancelledQueued, Date.parse(at(50))).map((s) => [s.name, s.ms]), [["waiting for a builder", 4000]]);
  assert.is(f.lastSeq(done), 6);
});

test("dashboard - provenance input: name@digest, or a digest with the name apart", async () => {
  const f = await load<Format>("format.js");
  const digest = `sha256:${"ab".repeat(32)}`;
  assert.equal(f.parseImageDigest(` 127.0.0.1:5500/shop@${digest} `), { image: "127.0.0.1:5500/shop", digest });
  assert.equal(f.parseImageDigest(digest.toUpperCase().replace("SHA256", "sha256"), "127.0.0.1:5500/shop"), { image: "127.0.0.1:5500/shop", digest });
  assert.equal(f.parseImageDigest(digest), { image: "", digest });
  assert.ok(f.parseImageDigest("sha256:abc").error);
});

test("dashboard - live rows: filters and newest-first order as the API has them", async () => {
  const f = await load<Format>("format.js");
  const b = { id: "b2", repo: "acme/shop", status: "failed", branch: "main", deliveryId: "d1", queuedAt: "2026-01-01T12:00:00Z" };
  assert.ok(f.matchesFilters(b, { repo: "acme/shop", status: "failed", branch: "main" }));
  assert.not.ok(f.matchesFilters(b, { status: "succeeded" }));
  assert.not.ok(f.matchesFilters(b, { delivery: "d2" }));
  assert.ok(f.matchesFilters(b, { repo: "", status: "", branch: "" }));
  const older = { ...b, id: "b1", queuedAt: "2026-01-01T11:00:00Z" };
  const tie = { ...b, id: "b3" };
  assert.equal([older, b, tie].sort(f.compareBuilds).map((x) => x.id), ["b3", "b2", "b1"]);
});

test("dashboard - streamed text becomes whole lines; the unfinished one waits", async () => {
  const { LineSplitter } = await load<LogLines>("log-lines.js");
  const s = new LineSplitter();
  assert.equal(s.push("#1 [1/2] FROM base\n#2 RU"), ["#1 [1/2] FROM base"]);
  assert.is(s.partial, "#2 RU");
  assert.equal(s.push("N make\n\n"), ["#2 RUN make", ""]);
  assert.is(s.partial, "");
});

test("dashboard - a log read backwards by byte ranges gives back every line once, in order", async () => {
  const { splitRange } = await load<LogLines>("log-lines.js");
  const lines = Array.from({ length: 300 }, (_, i) => (i % 37 === 0 ? "" : i % 11 === 0 ? `ünïcødé ✓ ${"x".repeat(i)} ${i}` : `line ${i}`));
  for (const endsWithBreak of [true, false]) {
    const text = lines.join("\n") + (endsWithBreak ? "\n" : "");
    const bytes = new TextEncoder().encode(text);
    for (const chunk of [7, 64, 100, 1000, bytes.length + 5]) {
      // The tail, then earlier ranges until the start, as the page does.
      let start = Math.max(0, bytes.length - chunk);
      let r = splitRange(bytes.subarray(start), start, new Uint8Array(0), { tail: true, maxLines: 100_000 });
      let shown = r.lines;
      for (let guard = 0; r.more && guard < 10_000; guard++) {
        start = Math.max(0, r.next - chunk);
        r = splitRange(bytes.subarray(start, r.next), start, r.carry, { tail: false, maxLines: 100_000 });
        shown = [...r.lines, ...shown];
      }
      assert.equal(shown, lines, `chunk ${chunk}, final line break ${endsWithBreak}`);
    }
  }
});

test("dashboard - at most maxLines come back; reading on continues right before them", async () => {
  const { splitRange } = await load<LogLines>("log-lines.js");
  const lines = Array.from({ length: 50 }, (_, i) => `n${i}`);
  const bytes = new TextEncoder().encode(lines.join("\n") + "\n");
  const tail = splitRange(bytes, 0, new Uint8Array(0), { tail: true, maxLines: 10 });
  assert.equal(tail.lines, lines.slice(40));
  assert.ok(tail.more);
  const before = splitRange(bytes.subarray(0, tail.next), 0, tail.carry, { tail: false, maxLines: 10 });
  assert.equal(before.lines, lines.slice(30, 40));
  // A range in the middle of one long line: nothing to show yet, all of it carried.
  const long = new TextEncoder().encode("a".repeat(100));
  const mid = splitRange(long.subarray(50), 50, new Uint8Array(0), { tail: false, maxLines: 10 });
  assert.equal(mid.lines, []);
  assert.is(mid.carry.length, 50);
  assert.ok(mid.more);
});

test.run();
