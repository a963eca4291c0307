/** The builder's public surface: what its entry point, benchmarks and tests use. */
export { loadConfig, describeConfig, parseBuildArgs, DEFAULT_CONCURRENCY, type BuilderConfig, type PushRetry, type RegistryCredentials } from "./config.js";
export { startBuilder, buildersDurable, type Builder, type BuilderOptions } from "./service.js";
export { BUILD_ABANDONED } from "./build-job.js";
export { BuilderErrorCode } from "./errors.js";
export { TAG_OWNERS_BUCKET } from "./tag-guard.js";
