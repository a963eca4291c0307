#!/usr/bin/env node
import { runCli } from "./run.js";

// `slipway watch | head`: a reader that leaves is no failure.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

process.exitCode = await runCli(process.argv.slice(2), process.env);
