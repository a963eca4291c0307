import type { Msg } from "@nats-io/transport-node";
import { decodeEvent, type Event } from "@slipway/events";
import type { Context } from "../context.js";
import { ExitCode, UsageError } from "../errors.js";
import { connectNats, subjectProblem } from "../nats.js";
import { eventLine, LogLines, undecodableLine } from "../output/event-line.js";
import { isVerdict } from "../output/verdict.js";

/** A build's unfinished log line is shown after this long without the rest. */
const PARTIAL_LINE_MS = 1000;

function decode(msg: Msg): { event: Event } | { error: string } {
  try {
    return { event: decodeEvent(msg.data) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * `slipway watch [subject]`: every message on the subject as it is published (a plain core
 * subscription: nothing is stored or acked, nothing from before), one readable line each, until
 * Ctrl-C (exit 0).
 */
export async function watch(ctx: Context, subject: string): Promise<number> {
  const problem = subjectProblem(subject);
  if (problem) throw new UsageError(`${JSON.stringify(subject)} is no NATS subject filter: ${problem} (e.g. ci.>, ci.build.>, ci.log.*)`);
  const nc = await connectNats(ctx.config.natsUrl, "slipway-watch");
  const p = ctx.palette;
  const json = ctx.config.json;
  const logs = new LogLines();
  let idle: NodeJS.Timeout | null = null;
  const print = (lines: string[]) => {
    if (lines.length > 0) ctx.out(`${lines.join("\n")}\n`);
  };

  const sub = nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) return ctx.err(`subscription ended: ${err.message}\n`);
      const got = decode(msg);
      if (json) {
        const line = "event" in got ? { subject: msg.subject, ...got.event } : { subject: msg.subject, bytes: msg.data.length, error: got.error };
        return ctx.out(`${JSON.stringify(line)}\n`);
      }
      if (!("event" in got)) return print([...logs.flush(p), undecodableLine(msg.subject, msg.data.length, new Date(), p)]);
      const e = got.event;
      if (e.type === "BuildLogChunk") {
        print(logs.push(e.data.buildId, e.data.text, p));
        if (idle) clearTimeout(idle);
        idle = logs.pending ? setTimeout(() => print(logs.flush(p)), PARTIAL_LINE_MS) : null;
        return;
      }
      // A verdict comes after all its chunks: the build's last unfinished line goes before it.
      print([...(isVerdict(e) ? logs.flush(p, e.data.buildId) : []), eventLine(e, p)]);
    },
  });
  // The server has the subscription once it answered a ping: from here on nothing is missed.
  await nc.flush();
  ctx.err(p.dim(`watching ${subject} on ${ctx.config.natsUrl} (Ctrl-C ends)\n`));

  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") ctx.err(p.yellow(`NATS connection lost (${ctx.config.natsUrl}): reconnecting...\n`));
      else if (s.type === "reconnect") ctx.err(p.dim(`reconnected to NATS; messages published meanwhile were missed\n`));
    }
  })();

  const ended = await new Promise<"asked" | Error | void>((done) => {
    process.once("SIGINT", () => done("asked"));
    process.once("SIGTERM", () => done("asked"));
    void nc.closed().then(done);
  });
  if (idle) clearTimeout(idle);
  if (!json) print(logs.flush(p));
  if (ended !== "asked") {
    // The client gave up on the server (it reconnects without end, so: refused for good).
    ctx.err(`the NATS connection closed${ended ? `: ${ended.message}` : ""}\n`);
    return ExitCode.usage;
  }
  sub.unsubscribe();
  await nc.close();
  return ExitCode.ok;
}
