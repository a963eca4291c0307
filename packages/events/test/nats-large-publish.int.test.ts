import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { withJetStream } from "@slipway/test-kit";

// The NATS client is patched (patches/README.md): a flush holding a large payload hands it to the
// socket as it is instead of copying everything into one new buffer. These tests check that the
// patch is in place and that what arrives is still exactly what was sent, in order.

const bus = withJetStream(test, { streams: false });

/** `size` bytes, different for each `seed`, so a swapped or shifted payload shows. */
function payload(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7) & 0xff;
  return bytes;
}

/** Same bytes (the client hands out Buffers; these are Uint8Arrays). */
function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The buffers the connection writes to its socket, recorded (the transport's socket is internal). */
function recordWrites(nc: NatsConnection): { frames: Uint8Array[] } {
  const socket = (nc as unknown as { protocol: { transport: { socket: { write: (...args: unknown[]) => boolean } } } }).protocol.transport.socket;
  const write = socket.write.bind(socket);
  const record = { frames: [] as Uint8Array[] };
  socket.write = (chunk: unknown, ...rest: unknown[]) => {
    if (chunk instanceof Uint8Array) record.frames.push(chunk);
    return write(chunk, ...rest);
  };
  return record;
}

test("large publish - a 1 MiB payload is written from the caller's buffer, not copied; small frames are joined", async () => {
  const nc = await connect({ servers: bus.nats.url });
  try {
    const receiver = await connect({ servers: bus.nats.url });
    const got: Uint8Array[] = [];
    const sub = receiver.subscribe("large.one", { max: 2, callback: (_err, msg) => void got.push(msg.data) });
    await receiver.flush();
    const writes = recordWrites(nc);
    const big = payload(1024 * 1024, 1);
    nc.publish("large.one", big);
    nc.publish("large.one", payload(100, 2));
    await nc.flush();
    await sub.closed;
    await receiver.close();

    assert.ok(writes.frames.some((frame) => frame === big), "the payload itself went to the socket");
    // Protocol line before it; then its \r\n, the small message and the PING of flush() as one buffer.
    const small = writes.frames.filter((frame) => frame !== big);
    assert.ok(small.length <= 3, `small frames joined: ${small.map((f) => f.length).join(", ")}`);
    assert.ok(sameBytes(got[0], big), "the 1 MiB message arrived intact");
    assert.ok(sameBytes(got[1], payload(100, 2)), "the small one after it");
  } finally {
    await nc.close();
  }
});

test("large publish - large and small messages interleaved arrive intact and in order", async () => {
  const sizes = [10, 1024 * 1024, 3, 200 * 1024, 64 * 1024, 64 * 1024 - 1, 0, 1024 * 1024, 7, 5, 300 * 1024, 1];
  const nc = await connect({ servers: bus.nats.url });
  try {
    const got: Uint8Array[] = [];
    const sub = nc.subscribe("large.mixed", { max: sizes.length * 3, callback: (_err, msg) => void got.push(msg.data) });
    await nc.flush();
    const sent: Uint8Array[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [i, size] of sizes.entries()) {
        const data = payload(size, round * 100 + i);
        sent.push(data);
        nc.publish("large.mixed", data);
      }
      // Some flushes in between, some publishes gathered across them.
      if (round === 1) await nc.flush();
    }
    await nc.flush();
    await sub.closed;
    assert.is(got.length, sent.length);
    sent.forEach((data, i) => assert.ok(sameBytes(got[i], data), `message ${i} (${data.length} bytes) arrived intact and in its place`));
  } finally {
    await nc.close();
  }
});

test.run();
