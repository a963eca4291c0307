import { createLogger, runService } from "@slipway/service-kit";
import { loadConfig } from "./config.js";
import { startIngress } from "./service.js";

const logger = createLogger("ingress");
await runService(logger, () => startIngress(loadConfig(), logger));
