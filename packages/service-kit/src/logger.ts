import { pino, type Logger } from "pino";
import { logLevel } from "./env.js";

export type { Logger };

/**
 * JSON logs on stdout, one logger per service, named. Secrets never reach a log: configs are
 * logged through `redact` paths, and events carry none.
 */
export function createLogger(service: string, level = logLevel()): Logger {
  return pino({
    name: service,
    level,
    redact: { paths: ["*.webhookSecret", "*.webhookSecrets", "*.apiToken", "*.password", "*.token", "config.*Secret"], censor: "[redacted]" },
  });
}
