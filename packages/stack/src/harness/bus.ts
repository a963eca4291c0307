import { randomBytes } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { ensureStreams, type BuildQueued } from "@slipway/events";
import { startTestNats, type TestNats } from "./nats.js";

/** A NATS server with slipway's streams and a client on it: where most integration tests begin. */
export type TestBus = {
  nats: TestNats;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Closes the client, then stops the server. */
  stop(): Promise<void>;
};

export async function startTestBus(): Promise<TestBus> {
  const nats = await startTestNats();
  try {
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm);
    return {
      nats,
      nc,
      js: jetstream(nc),
      jsm,
      stop: async () => {
        await nc.close().catch(() => undefined);
        await nats.stop();
      },
    };
  } catch (err) {
    await nats.stop().catch(() => undefined);
    throw err;
  }
}

/** A BuildQueued as git-sync would send it, for one Dockerfile of a fresh commit; `fields` override. */
export function queuedBuild(buildId: string, fields: Partial<BuildQueued> & Pick<BuildQueued, "image" | "contextObject">): BuildQueued {
  const sha = fields.sha ?? randomBytes(20).toString("hex");
  return {
    buildId,
    deliveryId: `delivery-${buildId}`,
    repo: { key: "fruty/docker-ci", name: "docker-ci", owner: "fruty" },
    sha,
    branch: "master",
    dockerfile: "Dockerfile",
    tags: [sha, "1", "master", "latest"],
    buildNumber: 1,
    ...fields,
  };
}
