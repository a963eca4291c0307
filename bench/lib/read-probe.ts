/**
 * A diagnostic for the git-sync bench: what a builder's read of a context costs. The big repo's
 * last context (spliced: its large files are parts of their own) is read as a builder reads it
 * (`contextTar`), against the same tar stored plain (`git archive` of the commit, put with the
 * library, 1 MiB chunks; deleted afterwards), `rounds` times each, taking turns going first.
 */
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { CONTEXT_CHUNK_BYTES, contextTar, ensureContextStore } from "@slipway/events";
import { nonce } from "./repos.js";

export type ReadProbe = { splicedMs: number[]; plainMs: number[]; bytes: number; storedBytes: number };

export async function timeContextReads(natsUrl: string, contextObject: string, mirror: string, sha: string, rounds = 3): Promise<ReadProbe> {
  const nc = await connect({ servers: natsUrl, name: "slipway-bench-read-probe" });
  try {
    const store = await ensureContextStore(nc);
    const parts = { store, direct: (await jetstreamManager(nc)).direct };
    const plain = `bench-read-plain-${nonce()}`;
    const git = spawn("git", [`--git-dir=${mirror}`, "archive", "--format=tar", sha], { stdio: ["ignore", "pipe", "inherit"] });
    await store.put({ name: plain, options: { max_chunk_size: CONTEXT_CHUNK_BYTES } }, Readable.toWeb(git.stdout) as ReadableStream<Uint8Array>);
    const read = async (name: string): Promise<{ ms: number; bytes: number }> => {
      const started = performance.now();
      const opened = await store.get(name);
      if (!opened) throw new Error(`${name} is not in the store`);
      let bytes = 0;
      for await (const piece of contextTar(parts, opened)) bytes += (piece as Buffer).length;
      return { ms: performance.now() - started, bytes };
    };
    const probe: ReadProbe = { splicedMs: [], plainMs: [], bytes: 0, storedBytes: (await store.info(contextObject))?.size ?? 0 };
    try {
      for (let i = 0; i < rounds; i++) {
        const order = i % 2 === 0 ? [contextObject, plain] : [plain, contextObject];
        for (const name of order) {
          const { ms, bytes } = await read(name);
          (name === plain ? probe.plainMs : probe.splicedMs).push(ms);
          if (probe.bytes !== 0 && bytes !== probe.bytes) throw new Error(`${name}: read ${bytes} bytes, another read ${probe.bytes}`);
          probe.bytes = bytes;
        }
      }
    } finally {
      await store.delete(plain);
    }
    return probe;
  } finally {
    await nc.close();
  }
}
