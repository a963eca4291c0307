import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import {
  BuildPhase,
  lastBuildEvent,
  InvalidEventError,
  publishEvent,
  readBuildRecord,
  subjects,
  type Event,
  type TerminalPhase,
  type EventData,
  type EventLinks,
  type EventType,
} from "@slipway/events";

/**
 * What the build control API reads from and writes to the event store. Passed into `buildApp`, so
 * app tests give an in-memory fake and `service.ts` gives `jetStreamControlStore`. Every method
 * rejects when JetStream does not answer; the routes then answer 503.
 */
export type ControlStore = {
  /** The build's stored `BuildQueued`, or null when the stream holds none for that id. */
  queued(buildId: string): Promise<Event<"BuildQueued"> | null>;
  /** Which verdict is stored for the build, or null while it is queued or running. */
  terminal(buildId: string): Promise<TerminalPhase | null>;
  /** Validates and publishes one event; resolves only once JetStream stored it (PubAck). */
  publish<T extends EventType>(type: T, data: EventData<T>, links: EventLinks): Promise<void>;
};

/** The store on JetStream: one direct read per question, on stream `CI_EVENTS`. */
export function jetStreamControlStore(js: JetStreamClient, jsm: JetStreamManager): ControlStore {
  return {
    async queued(buildId) {
      const event = await lastBuildEvent(jsm, buildId, BuildPhase.queued);
      if (!event) return null;
      if (event.type !== "BuildQueued") throw new InvalidEventError(`${subjects.build(buildId, BuildPhase.queued)} holds a ${event.type}`);
      return event;
    },
    async terminal(buildId) {
      return (await readBuildRecord(jsm, buildId)).terminal;
    },
    async publish(type, data, links) {
      await publishEvent(js, type, data, links);
    },
  };
}

/** Used when `buildApp` is given no store (the hook's own tests): every call fails, routes answer 503. */
export const noControlStore: ControlStore = {
  queued: () => Promise.reject(new Error("no event store")),
  terminal: () => Promise.reject(new Error("no event store")),
  publish: () => Promise.reject(new Error("no event store")),
};
