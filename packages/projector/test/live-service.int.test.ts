import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishEncoded } from "@slipway/events";
import { freePort, projectorEnv, startService, withJetStream, type RunningService } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { logChunk, pushed, queued, started } from "./fixtures.js";
import { openSse, type SseClient } from "./sse-client.js";

/** The live routes as the projector process serves them, and its stop with streams open. */

const BUILD = "blivesvc00000001";
const bus = withJetStream(test);
type Ctx = { dir: string; url: string; svc: RunningService | null; open: SseClient[] };
let ctx: Ctx | null = null;
const need = (): Ctx => {
  if (!ctx) throw new Error("setup failed");
  return ctx;
};

test.before(async () => {
  const dir = await mkdtemp(join(tmpdir(), "projector-live-svc-"));
  const port = await freePort();
  ctx = { dir, url: `http://127.0.0.1:${port}`, svc: null, open: [] };
  for (const e of [queued(undefined, BUILD), started(1, undefined, BUILD), logChunk(0, "one\ntwo\n", 1, BUILD), pushed(1, undefined, BUILD)]) await publishEncoded(bus.js, e);
  ctx.svc = await startService("projector", projectorEnv({ natsUrl: bus.nats.url, port, dir }));
  bus.own({
    stop: async () => {
      for (const c of need().open) c.close();
      const svc = need().svc;
      if (!svc) return;
      process.kill(svc.pid, "SIGKILL");
      await svc.exited;
    },
  });
});

test.after(async () => {
  if (ctx) await rm(ctx.dir, { recursive: true, force: true });
});

test("live service - a finished build's log stream ends with its verdict", async () => {
  const c = await openSse(`${need().url}/builds/${BUILD}/log/stream`);
  need().open.push(c);
  await c.ended;
  assert.equal(c.events.map((e) => [e.event, e.data]), [["attempt", '{"attempt":1}'], ["log", "one\ntwo\n"], ["verdict", JSON.stringify(pushed(1, undefined, BUILD))]]);
});

test("live service - a graceful stop ends open streams and exits 0", async () => {
  const c = await openSse(`${need().url}/events/stream?since=0`);
  need().open.push(c);
  await c.waitFor(3);
  const began = Date.now();
  const code = await need().svc!.stop();
  need().svc = null;
  assert.is(code, 0);
  await c.ended;
  assert.ok(Date.now() - began < 5_000, `stop took ${Date.now() - began} ms`);
});

test.run();
