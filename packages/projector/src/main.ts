import { createLogger, runService } from "@slipway/service-kit";
import { loadConfig } from "./config.js";
import { startProjector } from "./service.js";

const logger = createLogger("projector");

await runService(logger, async () => {
  const config = loadConfig();
  logger.info({ config }, "starting");
  const projector = await startProjector(config, logger);
  return () => projector.stop();
});
