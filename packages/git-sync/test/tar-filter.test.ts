import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { extract, pack } from "tar-stream";
import { parseDockerignore } from "../src/dockerignore.js";
import { filterTar } from "../src/tar-filter.js";
import { archiveDirectory } from "../src/tar-sources.js";

type Entry = { name: string; type?: "file" | "directory" | "symlink"; body?: string; mode?: number; linkname?: string };

/** A tar as `git archive` writes it: parents before children. */
function tarOf(entries: Entry[]): Readable {
  const p = pack();
  for (const e of entries) {
    const type = e.type ?? "file";
    p.entry({ name: e.name, type, mode: e.mode ?? (type === "directory" ? 0o775 : 0o664), linkname: e.linkname }, e.body ?? "");
  }
  p.finalize();
  return Readable.from(p);
}

/** Every entry of a tar: name, type, mode and body. */
async function listing(tar: Readable): Promise<{ name: string; type: string; mode: string; body: string }[]> {
  const out: { name: string; type: string; mode: string; body: string }[] = [];
  const ex = extract();
  ex.on("entry", (header, stream, next) => {
    const parts: Buffer[] = [];
    stream.on("data", (c: unknown) => void parts.push(Buffer.from(c as Uint8Array)));
    stream.on("end", () => {
      out.push({ name: header.name, type: header.type, mode: (header.mode ?? 0).toString(8), body: Buffer.concat(parts).toString("utf8") });
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    ex.on("finish", resolve);
    ex.on("error", reject);
    tar.on("error", reject);
  });
  tar.pipe(ex);
  await done;
  return out;
}

const keepsBy = (ignore: string, forced: string[] = []) => {
  const rules = parseDockerignore(ignore);
  return (path: string) => forced.includes(path) || !rules.excludes(path);
};

test("tar filter - leaves out what the ignore file excludes, and keeps data and modes of the rest", async () => {
  const source = tarOf([
    { name: "Dockerfile", body: "FROM scratch\n" },
    { name: "secret.txt", body: "s3cret" },
    { name: "app/", type: "directory" },
    { name: "app/run.sh", body: "#!/bin/sh\n", mode: 0o775 },
    { name: "app/secret.txt", body: "nested" },
    { name: "link", type: "symlink", linkname: "app/run.sh" },
  ]);
  const out = await listing(filterTar(source, keepsBy("secret.txt\n")));
  assert.equal(out.map((e) => e.name), ["Dockerfile", "app/", "app/run.sh", "app/secret.txt", "link"]);
  assert.equal(out.find((e) => e.name === "app/run.sh"), { name: "app/run.sh", type: "file", mode: "775", body: "#!/bin/sh\n" });
  assert.is(out.find((e) => e.name === "link")?.type, "symlink");
});

test("tar filter - an excluded directory is written only before something kept under it", async () => {
  const source = tarOf([
    { name: "./", type: "directory" },
    { name: "docs/", type: "directory", mode: 0o750 },
    { name: "docs/a.md", body: "a" },
    { name: "docs/sub/", type: "directory" },
    { name: "docs/sub/keep.md", body: "keep" },
    { name: "docs/sub/other.md", body: "other" },
    { name: "node_modules/", type: "directory" },
    { name: "node_modules/x.js", body: "x" },
    { name: "src/", type: "directory" },
    { name: "src/main.go", body: "package main" },
  ]);
  const out = await listing(filterTar(source, keepsBy("docs\nnode_modules\n!docs/sub/keep.md\n")));
  // The root entry is dropped; docs/ keeps its own mode; node_modules/ is not written at all.
  assert.equal(out.map((e) => e.name), ["docs/", "docs/sub/", "docs/sub/keep.md", "src/", "src/main.go"]);
  assert.is(out[0]!.mode, "750");
});

test("tar filter - the forced Dockerfile stays although the patterns exclude it", async () => {
  const source = tarOf([{ name: "Dockerfile", body: "FROM scratch\n" }, { name: ".dockerignore", body: "*\n" }, { name: "app.txt", body: "x" }]);
  const out = await listing(filterTar(source, keepsBy("*\n", ["Dockerfile"])));
  assert.equal(out.map((e) => e.name), ["Dockerfile"]);
});

test("tar filter - an error of the source is the filter's error", async () => {
  const broken = new Readable({ read() {} });
  const filtered = filterTar(broken, () => true);
  setTimeout(() => broken.destroy(new Error("git archive exited with 128")), 10);
  await listing(filtered).then(
    () => assert.unreachable("should fail"),
    (err: Error) => assert.match(err.message, /exited with 128/),
  );
});

test("tar filter - a 256 MiB file streams through without being held in memory", async () => {
  const size = 256 * 1024 * 1024;
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const p = pack();
  const entry = p.entry({ name: "big.bin", size, mode: 0o644 }, () => p.finalize());
  void (async () => {
    for (let sent = 0; sent < size; sent += chunk.length) if (!entry.write(chunk)) await new Promise<void>((r) => entry.once("drain", () => r()));
    entry.end(undefined);
  })();
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  let bytes = 0;
  for await (const c of filterTar(Readable.from(p), () => true) as AsyncIterable<Buffer>) {
    bytes += c.length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  assert.ok(bytes > size, `${bytes}`);
  assert.ok(peak - before < 64 * 1024 * 1024, `rss grew ${Math.round((peak - before) / 1024 / 1024)} MiB`);
});

test("tar sources - a checkout as a tar: .git left out everywhere, links kept, owner root, the commit's time", async () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-tar-"));
  try {
    mkdirSync(join(dir, ".git"));
    writeFileSync(join(dir, ".git", "HEAD"), "ref");
    mkdirSync(join(dir, "lib"));
    writeFileSync(join(dir, "lib", ".git"), "gitdir: ../.git/modules/lib\n");
    writeFileSync(join(dir, "lib", "lib.txt"), "from the submodule");
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\n");
    symlinkSync("lib/lib.txt", join(dir, "link"));
    const tar = archiveDirectory(dir, 1_700_000_000);
    const bytes = await new Response(Readable.toWeb(tar) as ReadableStream<Uint8Array>).arrayBuffer();
    const verbose = execFileSync("tar", ["-tv", "--numeric-owner", "--full-time"], { input: Buffer.from(bytes), encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
    const names = await listing(Readable.from([Buffer.from(bytes)]));
    assert.equal(names.map((e) => e.name), ["./", "./Dockerfile", "./lib/", "./lib/lib.txt", "./link"]);
    assert.match(verbose, /0\/0\s+\d+ 2023-11-14 22:13:20 \.\/Dockerfile/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
