export * from "./logger.js";
export * from "./env.js";
export * from "./nats.js";
export * from "./lifecycle.js";
export * from "./allow-list.js";
