import { CommanderError } from "commander";
import type { GlobalOptions } from "./config.js";
import { CliError, ExitCode } from "./errors.js";
import { buildProgram } from "./program.js";

/** Why something failed, with its causes: "fetch failed: connect ECONNREFUSED ...". */
function describe(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 4; e = e.cause) parts.push(e.message);
  return parts.length > 0 ? parts.join(": ") : String(err);
}

/**
 * Runs one command line and resolves to its exit code, never throwing: usage errors (commander's
 * and ours) are 2, failures the command reports are its own code, anything unexpected is 1.
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let code: number = ExitCode.ok;
  const program = buildProgram(async (command, work) => {
    // Loaded here rather than at the top: `--help` needs neither the events nor the token.
    const [{ loadConfig }, { createContext }] = await Promise.all([import("./config.js"), import("./context.js")]);
    const config = loadConfig(env, command.optsWithGlobals<GlobalOptions>(), process.stdout.isTTY === true);
    code = await work(createContext(config));
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    // Commander has printed its message (and the hint) already; 0 is `--help`, `help <command>`, `--version`.
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (err instanceof CliError) {
      process.stderr.write(`slipway: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`slipway: ${describe(err)}\n`);
    return ExitCode.failed;
  }
}
