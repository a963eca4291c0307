import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { ensureStreams } from "@slipway/events";
import { startTestNats, type TestNats } from "./nats.js";

/** Anything a test starts and must stop: a service, a registry, a second client. */
export type Stoppable = { stop(): Promise<unknown> };

/** A NATS server (JetStream on) and a client on it: where most integration tests begin. */
export type TestBus = {
  nats: TestNats;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /**
   * Stops `resource` when the bus stops, before the client and the server (last owned, first
   * stopped), so a service never outlives the NATS it talks to. Returns `resource`. A resource a
   * test already stopped is stopped again: its `stop` must allow that, as `RunningService`'s does.
   */
  own<T extends Stoppable>(resource: T): T;
  /** Stops what it owns, closes the client, then stops the server. */
  stop(): Promise<void>;
};

export type JetStreamOptions = {
  /** Create slipway's streams (`ensureStreams`), as every service expects them; default true. */
  streams?: boolean;
};

/** The hooks of a uvu suite (`test` or `suite(...)`), all `withJetStream` needs of it. */
export type SuiteHooks = { before(fn: () => unknown): void; after(fn: () => unknown): void };

/**
 * A JetStream server for one suite: started in the suite's `before`, stopped (with everything the
 * suite gave it to `own`) in its `after`. The returned bus is filled in when `before` has run, so
 * tests and later `before` hooks use it; the module's top level must not.
 *
 *   const bus = withJetStream(test);
 *   test.before(async () => void bus.own(await startService("projector", { SLIPWAY_NATS_URL: bus.nats.url })));
 */
export function withJetStream(suite: SuiteHooks, options: JetStreamOptions = {}): TestBus {
  const bus = {} as TestBus;
  suite.before(async () => {
    try {
      Object.assign(bus, await startTestBus(options));
    } catch (err) {
      // uvu does not print a before hook's error: its tests would only show as not run.
      console.error("withJetStream: the suite's JetStream did not start:", err);
      throw err;
    }
  });
  suite.after(async () => bus.stop?.());
  return bus;
}

/** The same bus, started and stopped by the caller (a test that needs its own server). */
export async function startTestBus(options: JetStreamOptions = {}): Promise<TestBus> {
  const nats = await startTestNats();
  try {
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    if (options.streams ?? true) await ensureStreams(jsm);
    const owned: Stoppable[] = [];
    return {
      nats,
      nc,
      js: jetstream(nc),
      jsm,
      own: (resource) => {
        owned.push(resource);
        return resource;
      },
      stop: async () => {
        for (const resource of owned.reverse()) await resource.stop().catch((err: unknown) => console.error("stopping a test resource:", err));
        await nc.close().catch(() => undefined);
        await nats.stop();
      },
    };
  } catch (err) {
    await nats.stop().catch(() => undefined);
    throw err;
  }
}
