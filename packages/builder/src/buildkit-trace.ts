import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

/**
 * Decodes BuildKit's progress, which the engine sends as `{"id":"moby.buildkit.trace","aux":"<base64>"}`:
 * a protobuf `StatusResponse` (moby/buildkit's control API, vendored in proto/buildkit).
 */

export type Timestamp = { seconds: number; nanos: number };
export type Vertex = { digest: string; name: string; cached: boolean; started: Timestamp | null; completed: Timestamp | null; error: string };
export type VertexStatus = { ID: string; vertex: string; name: string; current: number; total: number; completed: Timestamp | null };
export type VertexLog = { vertex: string; stream: number; msg: Uint8Array };
export type VertexWarning = { vertex: string; short: Uint8Array };
export type StatusResponse = { vertexes: Vertex[]; statuses: VertexStatus[]; logs: VertexLog[]; warnings: VertexWarning[] };

const PROTO = fileURLToPath(new URL("../proto/buildkit/status.proto", import.meta.url));
let statusType: protobuf.Type | undefined;

function type(): protobuf.Type {
  statusType ??= protobuf.loadSync(PROTO).lookupType("moby.buildkit.v1.StatusResponse");
  return statusType;
}

/** Whether a progress object of the build output is a BuildKit trace. */
export function isTrace(raw: unknown): raw is { id: "moby.buildkit.trace"; aux: string } {
  return typeof raw === "object" && raw !== null && Reflect.get(raw, "id") === "moby.buildkit.trace" && typeof Reflect.get(raw, "aux") === "string";
}

function timestamp(value: unknown): Timestamp | null {
  if (typeof value !== "object" || value === null) return null;
  return { seconds: Number(Reflect.get(value, "seconds") ?? 0), nanos: Number(Reflect.get(value, "nanos") ?? 0) };
}

const list = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null) : []);
const text = (value: unknown) => (typeof value === "string" ? value : "");
const bytes = (value: unknown) => (value instanceof Uint8Array ? value : new Uint8Array());

/** Decodes one trace's `aux`; throws on bytes that are not a `StatusResponse`. */
export function decodeTrace(aux: string): StatusResponse {
  const t = type();
  const message = t.toObject(t.decode(Buffer.from(aux, "base64")), { longs: Number, defaults: true, arrays: true });
  return {
    vertexes: list(message.vertexes).map((v) => ({
      digest: text(v.digest),
      name: text(v.name),
      cached: v.cached === true,
      started: timestamp(v.started),
      completed: timestamp(v.completed),
      error: text(v.error),
    })),
    statuses: list(message.statuses).map((s) => ({
      ID: text(s.ID),
      vertex: text(s.vertex),
      name: text(s.name),
      current: Number(s.current ?? 0),
      total: Number(s.total ?? 0),
      completed: timestamp(s.completed),
    })),
    logs: list(message.logs).map((l) => ({ vertex: text(l.vertex), stream: Number(l.stream ?? 0), msg: bytes(l.msg) })),
    warnings: list(message.warnings).map((w) => ({ vertex: text(w.vertex), short: bytes(w.short) })),
  };
}

/** Encodes a status (tests build traces the engine would send). */
export function encodeTrace(status: Partial<StatusResponse>): string {
  const t = type();
  return Buffer.from(t.encode(t.fromObject(status)).finish()).toString("base64");
}
