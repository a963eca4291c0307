import { pino, type Logger } from "pino";
import { logLevel } from "./env.js";

export type { Logger };

/**
 * JSON logs on stdout, one logger per service, named. Secrets never reach a log: a config is
 * logged only as `{ config }`, whose secret fields the `redact` paths blank, and events carry none.
 * The paths start at `config`, not at a wildcard: a wildcard first key sends every line's object
 * through the redactor (~4 us a line, on every hook ingress accepts).
 */
export function createLogger(service: string, level = logLevel()): Logger {
  return pino(
    {
      name: service,
      level,
      redact: { paths: ["config.webhookSecret", "config.webhookSecrets", "config.apiToken", "config.password", "config.token", "config.*Secret"], censor: "[redacted]" },
    },
    // Asynchronous writes: lines logged in one tick reach stdout in one write, not one write
    // each (a busy ingress spent more CPU on those writes than on a hook's checks). pino flushes
    // what is pending when the process exits. (Holding lines back for fewer, larger writes saved
    // ingress no measurable CPU, and a line's lag broke readers that act on it.)
    pino.destination({ dest: 1, sync: false }),
  );
}
