#!/usr/bin/env node
import { parseArgs } from "node:util";
import { ConfigError } from "@slipway/events";
import { secret } from "@slipway/service-kit";
import { parseAsOf, type AsOf } from "../list-query.js";
import { replayIntoFolder } from "./replay-offline.js";
import { replayLive } from "./replay-live.js";
import { UsageError } from "./usage-error.js";

const HELP = `Usage: npm run replay -- [options]

Rebuilds the projector's view from the first event of CI_EVENTS.

Without --out: asks the running projector to replay into a fresh view beside the live one and
swap it in when it has caught up (the API keeps answering meanwhile), and shows the progress.
With --out: replays here, into a separate view in that folder, for inspection; --to stops at a
point in history, --serve then answers the projector's read API over it.

Options:
  --url <url>       the projector (default: SLIPWAY_PROJECTOR_URL, else http://127.0.0.1:<SLIPWAY_PROJECTOR_PORT or 5000>)
  --out <dir>       replay into a new view in <dir> instead (NATS: SLIPWAY_NATS_URL)
  --to <seq|time>   with --out: stop after this stream sequence, or before the first event
                    stamped after this ISO 8601 time (e.g. 2026-11-20T12:00:00Z)
  --serve <port>    with --out: then serve that view read-only on 127.0.0.1:<port> until Ctrl-C
  --json            print the outcome as JSON on stdout (progress stays on stderr)
  -h, --help        this text

The API token comes from SLIPWAY_API_TOKEN (or SLIPWAY_API_TOKEN_FILE).
Exit codes: 0 done, 1 the replay failed, 2 bad usage or no projector/NATS to talk to.`;

function fail(message: string): never {
  throw new UsageError(message);
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        url: { type: "string" },
        out: { type: "string" },
        to: { type: "string" },
        serve: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    fail(`${(err as Error).message}\n\n${HELP}`);
  }
  const o = parsed.values;
  if (o.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  let to: AsOf | null = null;
  if (o.to !== undefined) {
    const at = parseAsOf({ asOf: o.to });
    if (!at.ok) fail(`--to: ${at.message.replace(/^asOf/, "it")}`);
    to = at.value;
  }
  if (o.out === undefined) {
    if (to !== null) fail("--to needs --out: the live view always replays to the end of the stream (use ?asOf= on the API to look at the past)");
    if (o.serve !== undefined) fail("--serve needs --out");
    const url = o.url ?? env.SLIPWAY_PROJECTOR_URL ?? `http://127.0.0.1:${env.SLIPWAY_PROJECTOR_PORT || "5000"}`;
    return replayLive({ url: url.replace(/\/+$/, ""), token: secret(env, "SLIPWAY_API_TOKEN"), json: o.json });
  }
  let serve: number | null = null;
  if (o.serve !== undefined) {
    serve = /^\d{1,5}$/.test(o.serve) ? Number(o.serve) : NaN;
    if (!(serve >= 1 && serve <= 65535)) fail("--serve must be a port number from 1 to 65535");
  }
  return replayIntoFolder({ dir: o.out, to, serve, json: o.json, natsUrl: env.SLIPWAY_NATS_URL || "nats://127.0.0.1:4222" });
}

try {
  process.exitCode = await main(process.argv.slice(2), process.env);
} catch (err) {
  const usage = err instanceof UsageError || err instanceof ConfigError;
  process.stderr.write(`replay: ${usage ? (err as Error).message : ((err as Error).stack ?? String(err))}\n`);
  process.exitCode = usage ? 2 : 1;
}
