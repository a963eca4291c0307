import { createLogger, runService } from "@slipway/service-kit";
import { loadConfig } from "./config.js";
import { startGitSync } from "./service.js";

const logger = createLogger("git-sync");
await runService(logger, () => startGitSync(loadConfig(), logger));
