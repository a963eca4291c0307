import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ObjectStore } from "@nats-io/obj";
import { blobObjectName, CONTEXT_FORMAT_KEY, CONTEXTS_BUCKET, contextTar, contextTarBytes, ContextPartMissingError, ensureContextStore, SPLICED_TAR_FORMAT } from "@slipway/events";
import { createGitFixture, withJetStream, type GitFixture } from "@slipway/test-kit";
import { storeContexts, type StoreContextsOptions } from "../src/context-archive.js";
import type { ContextPlan } from "../src/context-plan.js";
import { SyncError, SyncErrorCode } from "../src/errors.js";
import { objectWriter, type ObjectWriter } from "../src/object-writer.js";
import { filterTar } from "../src/tar-filter.js";
import { LARGE_FILE_BYTES } from "../src/spliced-context.js";
import { KnownBlobs, storedBlobs } from "../src/stored-blobs.js";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";

const bus = withJetStream(test);
let store: ObjectStore;
let writer: ObjectWriter;
let repo: GitFixture;
let tmp: string;

/** Text of `bytes` bytes that no other call gives: a large file of its own. */
const large = (bytes = LARGE_FILE_BYTES + 1000) => randomBytes(Math.ceil(bytes / 2)).toString("hex").slice(0, bytes);
// Over 100 characters: git archive names it in a pax header.
const LONG_PATH = `deep/${"d".repeat(60)}/${"e".repeat(60)}/big-long-name.bin`;

test.before(async () => {
  store = await ensureContextStore(bus.nc);
  writer = objectWriter(bus.nc, bus.jsm, CONTEXTS_BUCKET, { chunkBytes: 64 * 1024, window: 3 });
  tmp = mkdtempSync(join(tmpdir(), "slipway-spliced-"));
  repo = createGitFixture("spliced", tmp);
});
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const options = (o: Partial<StoreContextsOptions> = {}): StoreContextsOptions => ({ maxBytes: 0, tmpDir: join(tmp, "archives"), submodules: null, gitTimeoutMs: 30_000, blobRefreshMs: 0, ...o });
const plan = (object: string, keeps: (path: string) => boolean = () => true): ContextPlan => ({ object, dockerfiles: ["Dockerfile"], ignoreFile: null, keeps });
const gitArchive = (sha: string) => execFileSync("git", [`--git-dir=${repo.bare}`, "archive", "--format=tar", sha], { maxBuffer: 1 << 28 });
const blobId = (sha: string, path: string) => execFileSync("git", [`--git-dir=${repo.bare}`, "rev-parse", `${sha}:${path}`], { encoding: "utf8" }).trim();

async function readTar(object: string): Promise<Buffer> {
  const opened = await store.get(object);
  assert.ok(opened, `${object} is in the store`);
  const parts: Buffer[] = [];
  for await (const part of contextTar({ store, direct: bus.jsm.direct }, opened)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

const names = (tar: Buffer) => execFileSync("tar", ["-t"], { input: tar, encoding: "utf8" }).split("\n").filter(Boolean);
const fileIn = (tar: Buffer, path: string) => execFileSync("tar", ["-xO", path], { input: tar, maxBuffer: 1 << 26 });

test("spliced context - reads back as git archive's tar, byte for byte; its large files are objects of their own", async () => {
  const sha = repo.commit({ Dockerfile: "FROM scratch\nCOPY . /ctx\n", "small.txt": "small\n", "a.bin": large(), "dir/b.bin": large(300_000), [LONG_PATH]: large() });
  const [stored] = await storeContexts(store, writer, repo.bare, sha, [plan(`spliced@${sha}`)], options());
  const archive = gitArchive(sha);
  const info = await store.info(`spliced@${sha}`);
  assert.is(info?.metadata?.[CONTEXT_FORMAT_KEY], SPLICED_TAR_FORMAT);
  assert.is(stored!.bytes, archive.length);
  assert.is(contextTarBytes(info!), archive.length);
  // The object itself holds the small files and headers only.
  assert.ok(info!.size < 20_000, `${info!.size} bytes stored for a ${archive.length}-byte tar`);
  assert.ok((await readTar(`spliced@${sha}`)).equals(archive), "the same bytes as git archive");
  for (const path of ["a.bin", "dir/b.bin", LONG_PATH]) assert.ok(await store.info(blobObjectName(blobId(sha, path))), `${path} stored as a blob`);
  assert.is(await store.info(blobObjectName(blobId(sha, "small.txt"))), null);
});

test("spliced context - a later commit writes its large files again only if they changed", async () => {
  const first = repo.commit({ "c.bin": large() });
  await storeContexts(store, writer, repo.bare, first, [plan(`spliced@${first}`)], options());
  const before = await store.info(blobObjectName(blobId(first, "a.bin")));
  const sha = repo.commit({ "small.txt": "changed\n", "c.bin": large() });
  await storeContexts(store, writer, repo.bare, sha, [plan(`spliced@${sha}`)], options());
  const after = await store.info(blobObjectName(blobId(sha, "a.bin")));
  assert.is(after?.nuid, before?.nuid, "a.bin was not written again");
  assert.is.not(blobId(sha, "c.bin"), blobId(first, "c.bin"));
  assert.ok(await store.info(blobObjectName(blobId(sha, "c.bin"))), "the changed file is stored");
  assert.ok((await readTar(`spliced@${sha}`)).equals(gitArchive(sha)));
});

test("spliced context - a stored large file older than the refresh age is written again", async () => {
  const sha = repo.commit({ "small.txt": "again\n" });
  const before = await store.info(blobObjectName(blobId(sha, "a.bin")));
  await new Promise((resolve) => setTimeout(resolve, 20));
  await storeContexts(store, writer, repo.bare, sha, [plan(`spliced-refresh@${sha}`)], options({ blobRefreshMs: 10 }));
  const after = await store.info(blobObjectName(blobId(sha, "a.bin")));
  assert.is.not(after?.nuid, before?.nuid);
  assert.ok((await readTar(`spliced-refresh@${sha}`)).equals(gitArchive(sha)));
});

test("spliced context - the ignore file's filter leaves out what the tar filter leaves out, held directories included", async () => {
  const sha = repo.commit({ "secret.txt": "s3cret\n", "keep/x/inner.txt": "in\n", "keep/x/big.bin": large() });
  const keeps = (path: string) => !(path === "secret.txt" || path === "a.bin" || path === "keep" || path.startsWith("keep/")) || path === "keep/x/big.bin";
  const [stored] = await storeContexts(store, writer, repo.bare, sha, [plan(`spliced-filtered@${sha}`, keeps)], options());
  const tar = await readTar(`spliced-filtered@${sha}`);
  const filtered = Buffer.concat(await Readable.from(filterTar(Readable.from([gitArchive(sha)]), keeps)).toArray());
  assert.equal(names(tar), names(filtered));
  assert.ok(names(tar).includes("keep/x/"), "the excluded parent of a kept file is written");
  assert.not.ok(names(tar).includes("keep/x/inner.txt"));
  assert.not.ok(names(tar).includes("secret.txt"));
  assert.not.ok(names(tar).includes("a.bin"));
  assert.ok(fileIn(tar, "keep/x/big.bin").equals(fileIn(gitArchive(sha), "keep/x/big.bin")));
  assert.is(stored!.bytes, tar.length);
});

test("spliced context - over the size limit: nothing stored, and the failure names the whole size", async () => {
  const sha = repo.commit({ "small.txt": "limit\n" });
  const size = gitArchive(sha).length;
  const err = await storeContexts(store, writer, repo.bare, sha, [plan(`spliced-limit@${sha}`)], options({ maxBytes: 200_000 })).catch((e: unknown) => e);
  assert.instance(err, SyncError);
  assert.is((err as SyncError).code, SyncErrorCode.ContextTooLarge);
  assert.match((err as Error).message, new RegExp(`is ${size} bytes`));
  assert.is(await store.info(`spliced-limit@${sha}`), null);
});

test("spliced context - a large file gone from the store fails the read with ContextPartMissingError", async () => {
  const sha = repo.commit({ "gone.bin": large() });
  await storeContexts(store, writer, repo.bare, sha, [plan(`spliced-gone@${sha}`)], options());
  await store.delete(blobObjectName(blobId(sha, "gone.bin")));
  const err = await readTar(`spliced-gone@${sha}`).catch((e: unknown) => e);
  assert.instance(err, ContextPartMissingError);
  assert.is((err as ContextPartMissingError).part, blobObjectName(blobId(sha, "gone.bin")));
});

/** A repository with every kind of entry git archive writes: executable, symlinks (short, long), long paths (ustar prefix, pax), empty and non-ASCII files, a submodule. */
function richRepo(): { gitDir: string; commit(change: string): string } {
  const work = join(tmp, "rich");
  mkdirSync(join(work, "bin"), { recursive: true });
  const git = (...args: string[]) => execFileSync("git", ["-c", "core.safecrlf=false", ...args], { cwd: work, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } }).trim();
  git("init", "--quiet");
  // A submodule (a gitlink): git archive writes it as an empty directory.
  git("update-index", "--add", "--cacheinfo", `160000,${"1".repeat(40)},vendor/sub`);
  mkdirSync(join(work, "vendor", "sub"), { recursive: true });
  writeFileSync(join(work, "bin", "run.sh"), "#!/bin/sh\necho hi\n");
  chmodSync(join(work, "bin", "run.sh"), 0o755);
  writeFileSync(join(work, "bin", "big-tool"), large());
  chmodSync(join(work, "bin", "big-tool"), 0o755);
  writeFileSync(join(work, "empty"), "");
  writeFileSync(join(work, "grüße.txt"), "hallo\n");
  writeFileSync(join(work, "big.bin"), large(400_000));
  symlinkSync("bin/run.sh", join(work, "link"));
  symlinkSync(`${"t".repeat(120)}/target`, join(work, "long-link"));
  const split = `${"p".repeat(90)}/${"q".repeat(40)}/file.txt`;
  const pax = `${"r".repeat(30)}/${"s".repeat(120)}.bin`;
  for (const path of [split, pax, "a/b/c/deep.txt", "only/dirs/inside/leaf.bin"]) {
    mkdirSync(join(work, path, ".."), { recursive: true });
    writeFileSync(join(work, path), path.endsWith(".bin") ? large() : `${path}\n`);
  }
  return {
    gitDir: join(work, ".git"),
    commit(change) {
      writeFileSync(join(work, "change.txt"), change);
      git("add", "--all");
      git("commit", "--quiet", "-m", change);
      return git("rev-parse", "HEAD");
    },
  };
}

test("spliced context - a later commit whose large files are all stored is written from the tree listing, with git archive's bytes", async () => {
  const rich = richRepo();
  // A host's eol conversion does not reach contexts: they hold the repository's own bytes.
  execFileSync("git", [`--git-dir=${rich.gitDir}`, "config", "core.autocrlf", "true"]);
  const archiveOf = (sha: string, ...config: string[]) => execFileSync("git", [`--git-dir=${rich.gitDir}`, ...config, "archive", "--format=tar", sha], { maxBuffer: 1 << 28 });
  const first = rich.commit("first\n");
  assert.ok(fileIn(archiveOf(first), "grüße.txt").equals(Buffer.from("hallo\r\n")), "git converts with core.autocrlf");
  const unconverted = (sha: string) => archiveOf(sha, "-c", "core.autocrlf=false");
  await storeContexts(store, writer, rich.gitDir, first, [plan(`rich@${first}`)], options());
  assert.ok((await readTar(`rich@${first}`)).equals(unconverted(first)), "from git archive");
  const sha = rich.commit("second\n");
  const blob = await store.info(blobObjectName(execFileSync("git", [`--git-dir=${rich.gitDir}`, "rev-parse", `${sha}:big.bin`], { encoding: "utf8" }).trim()));
  // No archive file: a plan that needed one would fail with this folder a file.
  writeFileSync(join(tmp, "no-archives"), "");
  const [stored] = await storeContexts(store, writer, rich.gitDir, sha, [plan(`rich@${sha}`)], options({ tmpDir: join(tmp, "no-archives") }));
  const archive = unconverted(sha);
  const tar = await readTar(`rich@${sha}`);
  assert.is(tar.length, archive.length);
  assert.equal(names(tar), names(archive));
  assert.ok(names(tar).includes("vendor/sub/"));
  assert.ok(tar.equals(archive), "the same bytes as git archive");
  assert.is(stored!.bytes, archive.length);
  assert.is((await store.info(blobObjectName(execFileSync("git", [`--git-dir=${rich.gitDir}`, "rev-parse", `${sha}:big.bin`], { encoding: "utf8" }).trim())))?.nuid, blob?.nuid);

  const keeps = (path: string) => !path.startsWith("a/") && path !== "big.bin" && path !== "only" && !path.startsWith("only/") || path === "only/dirs/inside/leaf.bin";
  const filtered = `rich-filtered@${sha}`;
  await storeContexts(store, writer, rich.gitDir, sha, [plan(filtered, keeps)], options({ tmpDir: join(tmp, "no-archives") }));
  const expected = Buffer.concat(await Readable.from(filterTar(Readable.from([archive]), keeps)).toArray());
  assert.equal(names(await readTar(filtered)), names(expected));

  const err = await storeContexts(store, writer, rich.gitDir, sha, [plan(`rich-limit@${sha}`)], options({ tmpDir: join(tmp, "no-archives"), maxBytes: 10_000 })).catch((e: unknown) => e);
  assert.instance(err, SyncError);
  assert.match((err as Error).message, new RegExp(`is ${archive.length} bytes`));
});

test("stored blobs - found ones are known for a while and not looked up again; stale or missing ones are", async () => {
  const sha = repo.commit({ "known.bin": large() });
  await storeContexts(store, writer, repo.bare, sha, [plan(`spliced-known@${sha}`)], options());
  const names = [blobObjectName(blobId(sha, "known.bin")), blobObjectName(blobId(sha, "a.bin")), blobObjectName("0".repeat(40))];
  let lookups = 0;
  const counting = { info: (name: string) => (lookups++, store.info(name)) };
  const known = new KnownBlobs();
  assert.equal([...(await storedBlobs(counting, names, 0, known))].sort(), names.slice(0, 2).sort());
  assert.is(lookups, 3);
  assert.equal([...(await storedBlobs(counting, names, 0, known))].sort(), names.slice(0, 2).sort());
  assert.is(lookups, 4, "only the missing one is asked again");
  // Written longer ago than the refresh age: not taken from what is known either.
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal([...(await storedBlobs(counting, names, 10, known))], []);
  const untrusting = new KnownBlobs(0);
  await storedBlobs(counting, names, 0, untrusting);
  await storedBlobs(counting, names, 0, untrusting);
  assert.is(lookups, 4 + 3 + 3 + 3);
});

test("stored blobs - what is known is bounded: the oldest noted goes first", () => {
  const known = new KnownBlobs(60_000, 2);
  known.note("a", 1);
  known.note("b", 2);
  known.note("a", 3);
  known.note("c", 4);
  assert.is(known.writtenAt("b"), null);
  assert.is(known.writtenAt("a"), 3);
  assert.is(known.writtenAt("c"), 4);
});

test("spliced context - with a .gitattributes, git archive's rewrite of a file is kept (no stored blob stands in for it)", async () => {
  const sha = repo.commit({ ".gitattributes": "*.crlf text eol=crlf\n", "lines.crlf": "line\n".repeat(40_000) });
  await storeContexts(store, writer, repo.bare, sha, [plan(`spliced-attr@${sha}`)], options());
  const archive = gitArchive(sha);
  assert.ok(fileIn(archive, "lines.crlf").includes("line\r\n"), "git archive converted the file");
  assert.ok((await readTar(`spliced-attr@${sha}`)).equals(archive));
  assert.is(await store.info(blobObjectName(blobId(sha, "lines.crlf"))), null);
});

test.run();
