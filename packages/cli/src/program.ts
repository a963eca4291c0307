import { createRequire } from "node:module";
import { Command, InvalidArgumentError, Option } from "commander";
import type { BuildStatus } from "@slipway/projector";
import type { Context } from "./context.js";
import { ExitCode } from "./errors.js";

/** What `slipway --help` and the README say about exit codes: one table, printed as it is. */
export const EXIT_CODES_HELP = `Exit codes:
  ${ExitCode.ok}    done (logs -f: the build pushed its image; status: everything answered)
  ${ExitCode.failed}    the thing asked about failed: a build that failed or was cancelled (logs -f),
       an API refusal (unknown build, 409, 403...), a failed replay, a service down or lagging (status)
  ${ExitCode.usage}    bad usage, or nothing to talk to: projector or NATS unreachable, the API token
       missing or wrong (set SLIPWAY_API_TOKEN or SLIPWAY_API_TOKEN_FILE)
  ${ExitCode.interrupted}  logs -f ended by Ctrl-C before the build's verdict`;

const ENVIRONMENT_HELP = `Environment:
  SLIPWAY_PROJECTOR_URL  the projector (default http://127.0.0.1:<SLIPWAY_PROJECTOR_PORT or 5000>); --url
  SLIPWAY_NATS_URL       NATS, for watch, status and replay --out (default nats://127.0.0.1:4222); --nats
  SLIPWAY_INGRESS_URL    ingress, for status (default http://127.0.0.1:6000)
  SLIPWAY_API_TOKEN      the API token, when the system has one (or SLIPWAY_API_TOKEN_FILE: a file holding it)
  SLIPWAY_USER           your name in trigger, retry and cancel (X-Slipway-User; default: your login name)
  NO_COLOR               no colours (there are colours only on a terminal anyway)`;

/** Build statuses `--status` takes; the `satisfies` keeps them the projector's. */
const STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const satisfies readonly BuildStatus[];

const example = (...lines: string[]) => `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;

function integer(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
    if (!(n >= min && n <= max)) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

function commitSha(value: string): string {
  if (!/^[0-9a-fA-F]{40}$/.test(value)) throw new InvalidArgumentError("a full commit id: 40 hex characters");
  return value.toLowerCase();
}

/** How a command's action reaches its code: loaded only when it runs, so `--help` stays quick. */
export type Runner = (command: Command, work: (ctx: Context) => Promise<number>) => Promise<void>;

/**
 * The command tree. Global options may come before or after the command
 * (`slipway --json builds`, `slipway builds --json`); `run` turns them into a context.
 */
export function buildProgram(run: Runner): Command {
  const require = createRequire(import.meta.url);
  const { version } = require("../package.json") as { version: string };
  const program = new Command("slipway")
    .description("slipway's command line: watch the system, list builds, follow logs, trigger, retry, cancel, replay, status.")
    .version(version, "-V, --version")
    .option("--url <projector>", "the projector's URL (default: SLIPWAY_PROJECTOR_URL, else http://127.0.0.1:5000)")
    .option("--nats <url>", "NATS (default: SLIPWAY_NATS_URL, else nats://127.0.0.1:4222)")
    .option("--json", "JSON on stdout for scripts, instead of text for people")
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
    .addHelpText("after", `\n${EXIT_CODES_HELP}\n\n${ENVIRONMENT_HELP}\n${example("slipway builds --status failed", "slipway logs -f b3f9a0c1d2e4f567", "slipway watch 'ci.build.>'", "slipway status --json")}`);

  program
    .command("watch")
    .description("every event on NATS as it happens, one readable line each, until Ctrl-C (a live `nats sub 'ci.>'`)")
    .argument("[subject]", "a NATS subject filter (every event: ci.>)", "ci.>")
    .addHelpText("after", example("slipway watch", "slipway watch 'ci.build.>'          # builds only, no logs", "slipway watch 'ci.log.*' --json     # log chunks as JSON lines"))
    .action(async (subject: string, _o, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/watch.js")).watch(ctx, subject)));

  program
    .command("builds")
    .description("builds, newest first, filtered (GET /builds)")
    .option("--repo <key>", "the repository: owner/name (or name for pushes without an owner)")
    .addOption(new Option("--status <status>", "only builds in this status").choices(STATUSES))
    .option("--branch <branch>", "only builds of this branch")
    .option("--sha <commit>", "only builds of this commit (the full 40 hex)")
    .option("--delivery <id>", "only builds of this webhook delivery (trigger prints it)")
    .addOption(new Option("--limit <n>", "how many builds (default 20)").argParser(integer("--limit", 1, 1000)).conflicts("all"))
    .option("--all", "every matching build (follows the pages)")
    .option("--as-of <time|seq>", "the list as it was at a stream sequence or an ISO 8601 time")
    .addHelpText("after", example("slipway builds --repo acme/shop --status failed", "slipway builds --branch main --as-of 2026-11-26T09:00:00Z", "slipway builds --all --json | jq '.builds | length'"))
    .action(async (o: { repo?: string; status?: string; branch?: string; sha?: string; delivery?: string; limit?: number; all?: boolean; asOf?: string }, cmd: Command) =>
      run(cmd, async (ctx) => (await import("./commands/builds.js")).builds(ctx, o)),
    );

  program
    .command("logs")
    .description("a build's log; with -f, live until its verdict (exit 0 pushed, 1 failed or cancelled)")
    .argument("<id>", "the build id")
    .option("-f, --follow", "follow the log live, then print the verdict")
    .addHelpText("after", example("slipway logs b3f9a0c1d2e4f567", "slipway logs -f b3f9a0c1d2e4f567 && echo pushed"))
    .action(async (id: string, o: { follow?: boolean }, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/logs.js")).logs(ctx, id, o)));

  program
    .command("trigger")
    .description("build a branch or tag by hand, as a push would (POST /builds)")
    .argument("<repo>", "owner/name, or name")
    .argument("<ref>", "a branch, refs/heads/<branch> or refs/tags/<tag>")
    .option("--sha <commit>", "build this commit (40 hex) instead of the tip of <ref>", commitSha)
    .addHelpText("after", example("slipway trigger acme/shop main", "slipway trigger acme/shop refs/tags/v1.2 --sha 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"))
    .action(async (repo: string, ref: string, o: { sha?: string }, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/control.js")).trigger(ctx, repo, ref, o)));

  program
    .command("retry")
    .description("run a finished build again: same commit, Dockerfile and tags, new build id (POST /builds/<id>/retry)")
    .argument("<id>", "the build id")
    .addHelpText("after", example("slipway retry b3f9a0c1d2e4f567"))
    .action(async (id: string, _o, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/control.js")).retry(ctx, id)));

  program
    .command("cancel")
    .description("stop a queued or running build (POST /builds/<id>/cancel)")
    .argument("<id>", "the build id")
    .option("--reason <text>", "why (up to 1000 characters), kept in the build's events")
    .addHelpText("after", example("slipway cancel b3f9a0c1d2e4f567 --reason 'wrong commit'"))
    .action(async (id: string, o: { reason?: string }, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/control.js")).cancel(ctx, id, o)));

  program
    .command("replay")
    .description("rebuild the projector's view from the stream, with a progress bar; or (--out) a view of the past in a folder")
    .option("--to <time|seq>", "with --out: stop after this stream sequence, or before the first event stamped after this ISO 8601 time")
    .option("--out <dir>", "replay here into a new view in <dir> (reads NATS directly) instead of the live projector")
    .option("--serve <port>", "with --out: then serve that view read-only on 127.0.0.1:<port> until Ctrl-C", integer("--serve", 1, 65535))
    .addHelpText("after", example("slipway replay", "slipway replay --out /tmp/view-nov-20 --to 2026-11-20T12:00:00Z --serve 5001"))
    .action(async (o: { to?: string; out?: string; serve?: number }, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/replay.js")).replay(ctx, o)));

  program
    .command("status")
    .description("services, stream sizes, consumer lag (exit 0 all well, 1 a service down or lagging, 2 no NATS)")
    .addHelpText("after", example("slipway status", "slipway status --json | jq .problems"))
    .action(async (_o, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/status.js")).status(ctx)));

  return program;
}
