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

const options = (o: Partial<StoreContextsOptions> = {}): StoreContextsOptions => ({ maxBytes: 0, tmpDir: join(tmp, "archives"), submodules: null, ahead: null, gitTimeoutMs: 30_000, blobRefreshMs: 0, ...o });
const plan = (object: string, keeps: (path: string) => boolean = () => true): ContextPlan => ({ object, dockerfiles: ["Dockerfile"], ignoreFile: null, keeps });
const gitArchive = (sha: string) => execFileSync("git", [`--git-dir=${repo.bare}`, "archive", "--format=tar", sha], { maxBuffer: 1 << 28 });
const blobId = (sha: string, path: string) => execFileSync("git", [`--git-dir=${repo.bare}`, "rev-parse", `${sha}:${path}`], { encoding: "utf8" }).trim();

async function readTar(object: string): Promise<Buffer> {
  const opened = await store.get(object);
  assert.ok(opened, `${object} is in the store`);
  const parts: Buffer[] = [];
  for await (const part of contextTar(store, opened)) parts.push(part as Buffer);
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

test("spliced context - with a .gitattributes, git archive's rewrite of a file is kept (no stored blob stands in for it)", async () => {
  const sha = repo.commit({ ".gitattributes": "*.crlf text eol=crlf\n", "lines.crlf": "line\n".repeat(40_000) });
  await storeContexts(store, writer, repo.bare, sha, [plan(`spliced-attr@${sha}`)], options());
  const archive = gitArchive(sha);
  assert.ok(fileIn(archive, "lines.crlf").includes("line\r\n"), "git archive converted the file");
  assert.ok((await readTar(`spliced-attr@${sha}`)).equals(archive));
  assert.is(await store.info(blobObjectName(blobId(sha, "lines.crlf"))), null);
});

test.run();
