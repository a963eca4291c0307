import { createLogger, runService } from "@slipway/service-kit";
import { loadConfig } from "./config.js";
import { startGithubStatus } from "./service.js";

const logger = createLogger("github-status");

await runService(logger, async () => {
  const config = loadConfig();
  // `token` is redacted by the logger's `config.token` path.
  logger.info({ config }, "starting");
  return startGithubStatus(config, logger);
});
