export { buildApp, type AppOptions } from "./app.js";
export { loadConfig, type IngressConfig } from "./config.js";
export { parsePush } from "./push-payload.js";
export { HOOK_SUCCESSFUL } from "./replies.js";
