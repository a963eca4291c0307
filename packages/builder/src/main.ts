import { createLogger, runService } from "@slipway/service-kit";
import { loadConfig } from "./config.js";
import { startBuilder } from "./service.js";

const logger = createLogger("builder");

await runService(logger, async () => {
  const config = loadConfig();
  const builder = await startBuilder({ config, logger });
  builder.ended.catch((err: unknown) => {
    logger.fatal({ err }, "builder stopped consuming; exiting so a supervisor restarts it");
    process.exit(1);
  });
  return builder.stop;
});
