import type { Logger } from "./logger.js";

/**
 * Runs a service: `start` returns its stop function; SIGINT/SIGTERM call it once (stop pulling,
 * finish or give back in-flight work, drain), then the process exits. A failed start exits 1 with
 * the reason on one line.
 */
export async function runService(logger: Logger, start: () => Promise<() => Promise<void>>): Promise<void> {
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    const force = setTimeout(() => {
      logger.error("graceful stop took too long, exiting");
      process.exit(1);
    }, 30_000);
    force.unref();
    try {
      await stop?.();
      logger.info("stopped");
      process.exit(0);
    } catch (err) {
      logger.error({ err }, "error while stopping");
      process.exit(1);
    }
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  try {
    stop = await start();
  } catch (err) {
    logger.fatal({ err }, `failed to start: ${(err as Error).message}`);
    process.exit(1);
  }
}
