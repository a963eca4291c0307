export * from "./logger.js";
export * from "./env.js";
export * from "./nats.js";
export * from "./lifecycle.js";
export * from "./allow-list.js";
export * from "./bearer-auth.js";
export * from "./listen-host.js";
