/**
 * A diagnostic for the git-sync bench: the object-store write on its own. `git archive` of a
 * commit streamed straight into the contexts bucket from this process (no .dockerignore filter,
 * no git-sync), the way git-sync stores a context; the object is deleted afterwards. Done as
 * git-sync does it (`@nats-io/obj`'s default pure-JS SHA-256, 128 KiB chunks, one acked publish
 * each), then with its `native` SHA-256 (node:crypto), then also with 1 MiB chunks (NATS's
 * default max payload): what the digest and the round trip per chunk cost.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Readable } from "node:stream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { CONTEXTS_BUCKET } from "@slipway/events";
import { repoRoot } from "@slipway/test-kit";
import { nonce } from "./repos.js";

export type Sha256Backend = "js" | "native";
export type StoreProbe = { backend: Sha256Backend; chunkBytes: number; ms: number; bytes: number };

/** The part of `@nats-io/obj` used here (the bench does not depend on it: it is events' dependency). */
type ObjModule = {
  Objm: new (nc: NatsConnection) => { open(name: string): Promise<ObjStore> };
  setSha256Backend(backend: Sha256Backend): void;
  getSha256Backend(): Sha256Backend;
};
type ObjStore = { put(meta: { name: string; options?: { max_chunk_size?: number } }, rs: ReadableStream<Uint8Array>): Promise<{ size: number }>; delete(name: string): Promise<unknown> };

/** `@nats-io/obj` as @slipway/events resolves it (the copy git-sync runs); null when it lacks what the probe needs. */
function objModule(): ObjModule | null {
  const mod: unknown = createRequire(join(repoRoot(), "packages", "events", "package.json"))("@nats-io/obj");
  const m = mod as Partial<Record<keyof ObjModule, unknown>>;
  return typeof m.Objm === "function" && typeof m.setSha256Backend === "function" && typeof m.getSha256Backend === "function" ? (mod as ObjModule) : null;
}

/** The timed puts, the library's default first (git-sync uses the last: native SHA-256, 1 MiB chunks); an empty list when the module can't be driven. */
export async function timeStorePuts(natsUrl: string, mirror: string, sha: string): Promise<StoreProbe[]> {
  const obj = objModule();
  if (!obj) return [];
  const nc = await connect({ servers: natsUrl, name: "slipway-bench-store-probe" });
  const initial = obj.getSha256Backend();
  try {
    const store = await new obj.Objm(nc).open(CONTEXTS_BUCKET);
    const probes: StoreProbe[] = [];
    const other = initial === "js" ? "native" : "js";
    const variants = [
      { backend: initial, chunkBytes: 128 * 1024 },
      { backend: other, chunkBytes: 128 * 1024 },
      { backend: "native", chunkBytes: 1024 * 1024 },
    ] as const;
    for (const { backend, chunkBytes } of variants) {
      obj.setSha256Backend(backend);
      const name = `bench-probe-${nonce()}`;
      const started = performance.now();
      const git = spawn("git", [`--git-dir=${mirror}`, "archive", "--format=tar", sha], { stdio: ["ignore", "pipe", "inherit"] });
      const exited = new Promise<number | null>((resolve) => git.once("close", resolve));
      const info = await store.put({ name, options: { max_chunk_size: chunkBytes } }, Readable.toWeb(git.stdout) as ReadableStream<Uint8Array>);
      const code = await exited;
      probes.push({ backend, chunkBytes, ms: performance.now() - started, bytes: info.size });
      await store.delete(name);
      if (code !== 0) throw new Error(`git archive exited with ${code}`);
    }
    return probes;
  } finally {
    obj.setSha256Backend(initial);
    await nc.close();
  }
}
