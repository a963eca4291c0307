import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { ensureContextStore, publishEvent, type BuildQueued, type Event } from "@slipway/events";
export { queuedBuild } from "@slipway/test-kit";

/** A `git archive`-like tar holding one Dockerfile, stored in the contexts bucket under a fresh name. */
export async function storeContext(nc: NatsConnection, dockerfile: string, contents: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "builder-ctx-"));
  try {
    writeFileSync(join(dir, dockerfile), contents);
    const name = `test/${randomBytes(6).toString("hex")}.tar`;
    await (await ensureContextStore(nc)).putBlob({ name }, new Uint8Array(execFileSync("tar", ["-c", "-C", dir, "."])));
    return name;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Publishes it as the first event of its delivery. */
export async function publishQueued(js: JetStreamClient, data: BuildQueued): Promise<Event<"BuildQueued">> {
  const { event } = await publishEvent(js, "BuildQueued", data, { id: `queued-${data.buildId}`, correlationId: data.deliveryId, causationId: null });
  return event;
}
