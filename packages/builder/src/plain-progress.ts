import type { StatusResponse, Timestamp, Vertex } from "./buildkit-trace.js";

/** One step of the build as plain progress names it: `#5 [2/3] RUN make`. */
export type Step = { number: number; name: string };

/** Vertex names of Dockerfile instructions: `[2/3] RUN make`, `[builder 1/4] FROM ...`. */
const DOCKERFILE_STEP = /^\[(?:[^\]\s]+ )?\d+\/\d+\] /;

function seconds(t: Timestamp): number {
  return t.seconds + t.nanos / 1e9;
}

function size(n: number): string {
  if (n < 1000) return `${n}B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(2)}kB`;
  return `${(n / 1e6).toFixed(2)}MB`;
}

/**
 * Turns BuildKit statuses into the plain progress people know from `docker buildx build
 * --progress=plain`: `#5 [2/3] RUN make`, the step's own output lines prefixed `#5 `, then
 * `#5 CACHED`, `#5 DONE 0.3s` or `#5 ERROR: ...`. Statuses arrive as updates of the same vertexes;
 * each line is written once. Stateful: one instance per build.
 */
export class PlainProgress {
  private readonly numbers = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private readonly announced = new Set<string>();
  private readonly finished = new Set<string>();
  private readonly doneStatuses = new Set<string>();
  /** Partial output lines per vertex, until their newline arrives. */
  private readonly partial = new Map<string, string>();
  private failed: Step | null = null;
  /** Steps started and not finished, in start order. */
  private readonly running = new Map<string, Step>();

  /** The Dockerfile step that reported an error first, if any. */
  get failedStep(): Step | null {
    return this.failed;
  }

  /**
   * The step a build error belongs to: the one that reported it, else the last Dockerfile step
   * (`[2/3] RUN ...`, `[stage 1/2] ...`) still running: the engine may send its final error
   * without a status naming the failing step, and helper vertexes (`importing cache manifest`)
   * may never finish.
   */
  get blamedStep(): Step | null {
    return this.failed ?? [...this.running.values()].filter((s) => DOCKERFILE_STEP.test(s.name)).pop() ?? null;
  }

  /** The text one status adds to the log. */
  push(status: StatusResponse): string {
    let out = "";
    for (const v of status.vertexes) out += this.vertex(v);
    for (const s of status.statuses) {
      if (!s.completed || this.doneStatuses.has(s.ID + s.vertex)) continue;
      this.doneStatuses.add(s.ID + s.vertex);
      out += this.header(s.vertex) + `#${this.number(s.vertex)} ${s.name || s.ID}${s.current > 0 ? ` ${size(s.current)}` : ""} done\n`;
    }
    for (const log of status.logs) out += this.output(log.vertex, Buffer.from(log.msg).toString("utf8"));
    for (const w of status.warnings) out += `#${this.number(w.vertex)} WARNING: ${Buffer.from(w.short).toString("utf8")}\n`;
    return out;
  }

  private number(digest: string): number {
    let n = this.numbers.get(digest);
    if (n === undefined) {
      n = this.numbers.size + 1;
      this.numbers.set(digest, n);
    }
    return n;
  }

  /** `#n name`, once, the first time a vertex says anything. */
  private header(digest: string): string {
    if (this.announced.has(digest)) return "";
    const name = this.names.get(digest);
    if (name === undefined) return "";
    this.announced.add(digest);
    return `#${this.number(digest)} ${name}\n`;
  }

  private vertex(v: Vertex): string {
    if (v.name) this.names.set(v.digest, v.name);
    if (this.finished.has(v.digest)) return "";
    let out = "";
    if (v.started || v.cached || v.error) out += this.header(v.digest);
    const n = this.number(v.digest);
    if (v.started && !v.completed && !v.error) this.running.set(v.digest, { number: n, name: v.name || this.names.get(v.digest) || "" });
    else this.running.delete(v.digest);
    if (v.error) {
      out += this.flush(v.digest) + `#${n} ERROR: ${v.error}\n`;
      // Only a Dockerfile step fails the build: a helper's error (a cache source not found yet) does not.
      const name = v.name || this.names.get(v.digest) || "";
      if (DOCKERFILE_STEP.test(name)) this.failed ??= { number: n, name };
      this.finished.add(v.digest);
    } else if (v.cached && v.completed) {
      out += `#${n} CACHED\n`;
      this.finished.add(v.digest);
    } else if (v.completed) {
      const took = v.started ? Math.max(0, seconds(v.completed) - seconds(v.started)) : 0;
      out += this.flush(v.digest) + `#${n} DONE ${took.toFixed(1)}s\n`;
      this.finished.add(v.digest);
    }
    return out;
  }

  private output(digest: string, msg: string): string {
    const pending = (this.partial.get(digest) ?? "") + msg;
    const lines = pending.split(/\r?\n|\r/);
    this.partial.set(digest, lines.pop() ?? "");
    const n = this.number(digest);
    // The engine's BuildKit drops a step's output past its own limits (2 MiB, 200 KiB/s): say what to do.
    const clipped = lines.some((line) => line.startsWith("[output clipped, log limit"));
    const hint = clipped ? `slipway: the engine's BuildKit clipped this step's output; for whole logs of chatty builds use SLIPWAY_BUILDER_BACKEND=legacy (see the README)\n` : "";
    return this.header(digest) + lines.map((line) => `#${n} ${line}\n`).join("") + hint;
  }

  private flush(digest: string): string {
    const rest = this.partial.get(digest);
    this.partial.delete(digest);
    return rest ? `#${this.number(digest)} ${rest}\n` : "";
  }
}
