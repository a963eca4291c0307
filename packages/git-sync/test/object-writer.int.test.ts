import { createHash, randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CONTEXTS_BUCKET, ensureContextStore } from "@slipway/events";
import { withJetStream } from "@slipway/test-kit";
import type { ObjectStore } from "@nats-io/obj";
import { chunkSourceOf, objectWriter, type ChunkSource, type ObjectWriter } from "../src/object-writer.js";

const bus = withJetStream(test);
let store: ObjectStore;
let writer: ObjectWriter;
test.before(async () => {
  store = await ensureContextStore(bus.nc);
  writer = objectWriter(bus.nc, bus.jsm, CONTEXTS_BUCKET, { chunkBytes: 64 * 1024, window: 3 });
});

/** `bytes` as pieces of uneven sizes, as a pipe hands them out, copied into the chunks. */
function piecesOf(bytes: Buffer, sizes = [1, 5000, 70_000, 131_072, 333]): ChunkSource {
  async function* pieces(): AsyncGenerator<Uint8Array> {
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const size = sizes[i % sizes.length]!;
      yield bytes.subarray(at, at + size);
      at += size;
    }
  }
  return chunkSourceOf(pieces());
}

/** `bytes` filled straight into the writer's chunks, as the archive file does. */
function filledFrom(bytes: Buffer): ChunkSource {
  let at = 0;
  return async (into) => {
    const n = bytes.copy(into, 0, at, Math.min(bytes.length, at + into.length));
    at += n;
    return n;
  };
}

async function readBack(name: string): Promise<Buffer> {
  const result = await store.get(name);
  assert.ok(result, `${name} is in the store`);
  const parts: Uint8Array[] = [];
  // The library checks the digest at the end: a mismatch fails this loop.
  for await (const part of result.data) parts.push(part);
  assert.not.ok(await result.error);
  return Buffer.concat(parts);
}

/** Messages under the bucket's chunk subjects: what a failed write must not leave behind. */
async function chunkMessages(): Promise<number> {
  const info = await bus.jsm.streams.info(`OBJ_${CONTEXTS_BUCKET}`, { subjects_filter: `$O.${CONTEXTS_BUCKET}.C.>` });
  return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
}

test("object writer - what it writes the library reads back byte for byte, with the right size, chunks and digest", async () => {
  for (const [name, bytes] of [
    ["w-empty", Buffer.alloc(0)],
    ["w-one-byte", Buffer.from("x")],
    ["w-exact-chunks", randomBytes(3 * 64 * 1024)],
    ["w-uneven", randomBytes(1_000_003)],
  ] as const) {
    const written = await writer.put(name, piecesOf(bytes));
    assert.equal(await writer.put(`${name}-filled`, filledFrom(bytes)), written, `${name}: filled directly, the same object`);
    assert.ok((await readBack(`${name}-filled`)).equals(bytes), `${name}: filled directly, the same bytes`);
    assert.is(written.size, bytes.length, name);
    assert.is(written.chunks, Math.ceil(bytes.length / (64 * 1024)), name);
    const info = await store.info(name);
    assert.is(info?.size, bytes.length);
    assert.is(info?.chunks, written.chunks);
    assert.is(info?.digest, `SHA-256=${createHash("sha256").update(bytes).digest("base64url")}=`);
    assert.ok((await readBack(name)).equals(bytes), `${name}: the same bytes`);
  }
});

test("object writer - a source that fills its buffers only partly still gives every byte, in order", async () => {
  const bytes = randomBytes(300_000);
  let at = 0;
  // 10,000 bytes a fill at most: shorter chunks, none lost.
  const written = await writer.put("w-short-fills", async (into) => {
    const n = bytes.copy(into, 0, at, Math.min(bytes.length, at + Math.min(into.length, 10_000)));
    at += n;
    return n;
  });
  assert.is(written.size, bytes.length);
  assert.is(written.chunks, 30);
  assert.ok((await readBack("w-short-fills")).equals(bytes));
});

test("object writer - a name written again reads as the new content", async () => {
  await writer.put("w-again", piecesOf(Buffer.from("first version")));
  await writer.put("w-again", piecesOf(Buffer.from("second")));
  assert.is((await readBack("w-again")).toString(), "second");
});

test("object writer - a source that fails leaves no object and no chunk behind", async () => {
  const before = await chunkMessages();
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield randomBytes(200_000);
    throw new Error("the archive broke");
  }
  try {
    await writer.put("w-broken", chunkSourceOf(failing()));
    assert.unreachable("the write should fail");
  } catch (err) {
    assert.match((err as Error).message, /the archive broke/);
  }
  assert.is(await store.info("w-broken"), null);
  assert.is(await chunkMessages(), before, "the chunks already sent were purged");
});

test.run();
