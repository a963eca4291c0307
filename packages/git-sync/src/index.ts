export { findDockerfiles } from "./dockerfiles.js";
export { imageNameFor, branchTag, tagsFor, planImages } from "./naming.js";
export { parseUrlTemplate, UnsafeRepoNameError } from "./clone-url.js";
export { loadConfig, type GitSyncConfig } from "./config.js";
