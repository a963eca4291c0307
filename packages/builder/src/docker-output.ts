import { StringDecoder } from "node:string_decoder";

/**
 * Docker's build and push progress: newline-delimited JSON objects (`{stream}`, `{status, id}`,
 * `{aux}`, `{error, errorDetail}`). This module reads them without trusting their shape and turns
 * them into log text and the few facts the builder acts on. Pure: no Docker, no NATS.
 */

/** An error Docker reported inside its output (a build step failed, a push was refused). */
export type DockerError = { message: string; code: number | null };

/** What one progress object means to the builder. */
export type Progress = {
  /** Text for the build log; "" when the object adds nothing a reader wants (progress ticks, aux). */
  text: string;
  error: DockerError | null;
  /** `aux.ID` of a build: the built image. */
  imageId: string | null;
  /** `aux.Digest` of a push: the manifest digest the registry stored. */
  digest: string | null;
};

function get(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? Reflect.get(value, key) : undefined;
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

const NOTHING: Progress = { text: "", error: null, imageId: null, digest: null };

/** A progress object that only adds log text. */
export function textOnly(text: string): Progress {
  return { ...NOTHING, text };
}

/** Interprets one progress object (or a line that was not JSON, passed as a string). */
export function interpretProgress(raw: unknown): Progress {
  if (typeof raw === "string") return { ...NOTHING, text: raw.endsWith("\n") ? raw : raw + "\n" };
  const detail = get(raw, "errorDetail");
  const errorText = str(get(detail, "message")) ?? str(get(raw, "error"));
  if (errorText !== null) {
    const code = get(detail, "code");
    const message = errorText.trim() || "Docker reported an error without a message";
    return { ...NOTHING, text: message + "\n", error: { message, code: typeof code === "number" ? code : null } };
  }
  const stream = str(get(raw, "stream"));
  if (stream !== null) return { ...NOTHING, text: stream };
  const aux = get(raw, "aux");
  if (aux !== undefined) {
    return { ...NOTHING, imageId: str(get(aux, "ID")), digest: str(get(aux, "Digest")) };
  }
  const status = str(get(raw, "status"));
  if (status !== null) {
    // Byte counters ("Pushing", "Downloading" with current/total) would flood the log.
    if (typeof get(get(raw, "progressDetail"), "current") === "number") return NOTHING;
    const id = str(get(raw, "id"));
    return { ...NOTHING, text: (id ? `${id}: ${status}` : status) + "\n" };
  }
  return NOTHING;
}

/**
 * Splits a byte stream into parsed JSON values, one per line, yielded as one batch per chunk read:
 * a chatty build sends hundreds of thousands of lines, and a promise per line would cost more CPU
 * than the build. Objects may straddle chunks and multi-byte characters may be cut between chunks;
 * a line that is not JSON is yielded as a string.
 */
export async function* jsonLineBatches(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<unknown[]> {
  const decoder = new StringDecoder("utf8");
  // The start of a line whose newline has not come yet. Kept as pieces and searched only in new
  // text: one BuildKit progress object can be megabytes long, arriving in many chunks, and
  // rescanning what came before at every chunk would be quadratic.
  let pieces: string[] = [];
  for await (const chunk of source) {
    const text = typeof chunk === "string" ? chunk : decoder.write(Buffer.from(chunk));
    const batch: unknown[] = [];
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf("\n", start)) >= 0) {
      const piece = text.slice(start, nl);
      const line = pieces.length > 0 ? pieces.join("") + piece : piece;
      pieces = [];
      start = nl + 1;
      pushLine(batch, line);
    }
    if (start < text.length) pieces.push(text.slice(start));
    if (batch.length > 0) yield batch;
  }
  const last = pieces.join("") + decoder.end();
  const batch: unknown[] = [];
  pushLine(batch, last);
  if (batch.length > 0) yield batch;
}

function pushLine(batch: unknown[], raw: string): void {
  const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  if (/\S/.test(line)) batch.push(parseLine(line));
}

/** `jsonLineBatches`, one value at a time. */
export async function* jsonLines(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<unknown> {
  for await (const batch of jsonLineBatches(source)) yield* batch;
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return line;
  }
}

/** What a whole build or push said, folded from its progress objects. */
export type OutputSummary = {
  /** The first error Docker reported; later ones are consequences. */
  error: DockerError | null;
  imageId: string | null;
  digest: string | null;
};

export function emptySummary(): OutputSummary {
  return { error: null, imageId: null, digest: null };
}

/** Folds one interpreted object into a summary; returns a new summary. */
export function summarize(summary: OutputSummary, p: Progress): OutputSummary {
  return {
    error: summary.error ?? p.error,
    imageId: p.imageId ?? summary.imageId,
    digest: p.digest ?? summary.digest,
  };
}
