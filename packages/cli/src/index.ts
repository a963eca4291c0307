/** The command line as a function, for tests and wrappers; `main.ts` is the `slipway` binary. */
export { runCli } from "./run.js";
export { ExitCode } from "./errors.js";
