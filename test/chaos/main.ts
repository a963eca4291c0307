/**
 * `npm run chaos [-- options]`: a chaos run against slipway started by its launcher. Prints
 * progress, then the figures; exits 0 when nothing was lost or built twice, 1 otherwise, 2 on bad usage.
 */
import { parseArgs } from "node:util";
import { longRun, shortRun, type ChaosOptions } from "./options.js";
import { runChaos } from "./run.js";

const USAGE = `npm run chaos [-- options]

  --short                    npm test's run: 20 webhooks over 40 s, one kill per service, ack wait 5 s
  --webhooks N               webhooks to send (default 100)
  --load-seconds S           window of the webhooks and faults (default 150)
  --kills-per-service N      kill -9 of each service process in the window (default 2)
  --nats-kills N             kill -9 of nats-server (default 1)
  --registry-stop-seconds S  the registry hangs this long, SIGSTOP .. SIGCONT (default 20; 0: never)
  --builders N               builder processes (default 2)
  --ack-wait S               SLIPWAY_BUILD_ACK_WAIT_SECONDS (default 15, the product's)
  --settle-timeout S         how long the system may take to finish after the load (default 600)
  --seed N                   repeat a run's schedule (it prints its seed)
  --keep                     keep the run's folder (logs, NATS and registry data); a failed run keeps it anyway
`;

function whole(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new RangeError(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function parseOptions(argv: string[]): ChaosOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      short: { type: "boolean" },
      webhooks: { type: "string" },
      "load-seconds": { type: "string" },
      "kills-per-service": { type: "string" },
      "nats-kills": { type: "string" },
      "registry-stop-seconds": { type: "string" },
      builders: { type: "string" },
      "ack-wait": { type: "string" },
      "settle-timeout": { type: "string" },
      seed: { type: "string" },
      keep: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return null;
  const d = values.short ? shortRun() : longRun();
  return {
    ...d,
    webhooks: whole("webhooks", values.webhooks, d.webhooks, 1),
    loadSeconds: whole("load-seconds", values["load-seconds"], d.loadSeconds, 1),
    killsPerService: whole("kills-per-service", values["kills-per-service"], d.killsPerService),
    natsKills: whole("nats-kills", values["nats-kills"], d.natsKills),
    registryStopSeconds: whole("registry-stop-seconds", values["registry-stop-seconds"], d.registryStopSeconds),
    builders: whole("builders", values.builders, d.builders, 1),
    buildAckWaitSeconds: whole("ack-wait", values["ack-wait"], d.buildAckWaitSeconds, 1),
    settleTimeoutSeconds: whole("settle-timeout", values["settle-timeout"], d.settleTimeoutSeconds, 1),
    seed: whole("seed", values.seed, d.seed),
    keepState: values.keep ?? false,
  };
}

let options: ChaosOptions | null;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  console.error(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  process.exit(2);
}
if (options === null) {
  console.log(USAGE);
  process.exit(0);
}
const result = await runChaos(options);
console.log(["", ...result.lines, ...(result.keptAt ? [`  kept           ${result.keptAt}`] : [])].join("\n"));
process.exit(result.ok ? 0 : 1);
