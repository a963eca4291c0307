/**
 * @slipway/local-images: images made from this machine's own files, for where nothing can be
 * pulled: NATS and the registry from Debian's binaries, a busybox base for test Dockerfiles, a
 * node+git base and the workspace as built here, for deploy/compose.yml
 * (`node packages/local-images/dist/cli/offline-compose-env.js`). Each is built once and reused.
 */
export { ensureScratchImage, binaryWithLibraries } from "./build-scratch-image.js";
export { ensureBusyboxImage, LOCAL_BUSYBOX_IMAGE } from "./busybox-image.js";
export { ensureNatsImage, LOCAL_NATS_IMAGE } from "./nats-image.js";
export { ensureRegistryImage, LOCAL_REGISTRY_IMAGE } from "./registry-image.js";
export { ensureNodeGitImage, LOCAL_NODE_GIT_IMAGE } from "./node-git-image.js";
export { writeWorkspaceTar, WORKSPACE_TAR } from "./workspace-tar.js";
export { prepareOfflineCompose, type OfflineComposeEnv } from "./offline-compose.js";
