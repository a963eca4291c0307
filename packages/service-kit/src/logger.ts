import { pino, type Logger } from "pino";
import { logLevel } from "./env.js";

export type { Logger };

/**
 * JSON logs on stdout, one logger per service, named. Secrets never reach a log: configs are
 * logged through `redact` paths, and events carry none.
 */
export function createLogger(service: string, level = logLevel()): Logger {
  return pino(
    {
      name: service,
      level,
      redact: { paths: ["*.webhookSecret", "*.webhookSecrets", "*.apiToken", "*.password", "*.token", "config.*Secret"], censor: "[redacted]" },
    },
    // Asynchronous writes: lines logged in one tick reach stdout in one write, not one write
    // each (a busy ingress spent more CPU on those writes than on a hook's checks). pino flushes
    // what is pending when the process exits.
    pino.destination({ dest: 1, sync: false }),
  );
}
