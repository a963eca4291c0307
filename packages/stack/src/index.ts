/**
 * @slipway/stack: local infrastructure for `npm start` and the integration-test harness.
 * Tests use: startTestNats, startTestRegistry, ensureDockerEngine, ensureBaseImage, startService.
 */
export { ensureDockerEngine, type DockerEngine, type EnsureDockerOptions } from "./infra/docker.js";
export { startTestNats, type TestNats } from "./harness/nats.js";
export { ensureNatsServer, type NatsServer } from "./infra/nats.js";
export { startTestBus, queuedBuild, type TestBus } from "./harness/bus.js";
export { startTestRegistry, manifestDigest, type TestRegistry } from "./harness/registry.js";
export { ensureBaseImage } from "./harness/base-image.js";
export { startService, type RunningService, type StartServiceOptions } from "./harness/service.js";
export { projectorEnv } from "./harness/projector-env.js";
export { createGitFixture, type GitFixture } from "./git-fixture.js";
export { harnessConfig, type HarnessConfig } from "./harness/config.js";
export { ensureBusyboxImage, LOCAL_BUSYBOX_IMAGE } from "./images/busybox-image.js";
export { ensureNatsImage, LOCAL_NATS_IMAGE } from "./images/nats-image.js";
export { ensureRegistryImage, LOCAL_REGISTRY_IMAGE } from "./images/registry-image.js";
export { ensureNodeGitImage, LOCAL_NODE_GIT_IMAGE } from "./images/node-git-image.js";
export { writeWorkspaceTar, WORKSPACE_TAR } from "./images/workspace-tar.js";
export { prepareOfflineCompose, type OfflineComposeEnv } from "./images/offline-compose.js";
export { dockerClient, removeLocalTags } from "./docker.js";
export { freePort, tcpReachable, httpStatus, waitUntil } from "./net.js";
export { repoRoot, stateDir, serviceEntry } from "./paths.js";
export { spawnChild, type Child, type ChildOptions, type Exit } from "./processes.js";
export { isReadyLine } from "./lines.js";
export { runningSteps } from "./harness/step-processes.js";
export { startTestCluster, type TestCluster, type ClusterNode } from "./harness/cluster.js";
export { launcherPidFiles, type PidFiles } from "./cli/pid-files.js";
