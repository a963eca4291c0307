/**
 * @slipway/test-kit: what integration tests start and share, on real parts: a JetStream server
 * per suite (`withJetStream`), a registry, the local scratch images that stand in for pulled ones,
 * git repositories, service processes, and polling helpers.
 */
export { withJetStream, startTestBus, type TestBus, type JetStreamOptions, type Stoppable, type SuiteHooks } from "./jetstream.js";
export { queuedBuild } from "./queued-build.js";
export { startTestNats, type TestNats } from "./nats.js";
export { startTestRegistry, manifestDigest, type TestRegistry } from "./registry.js";
export { ensureBaseImage } from "./base-image.js";
export { startService, type RunningService, type StartServiceOptions } from "./service.js";
export { projectorEnv } from "./projector-env.js";
export { createGitFixture, type GitFixture } from "./git-fixture.js";
export { harnessConfig, type HarnessConfig } from "./config.js";
export { startTestCluster, type TestCluster, type ClusterNode } from "./cluster.js";
export { removeLocalTags } from "./registry-tags.js";
export { runningSteps } from "./step-processes.js";
// Images made from this machine's files, as the tests (and an offline compose) use them.
export {
  ensureBusyboxImage,
  LOCAL_BUSYBOX_IMAGE,
  ensureNatsImage,
  LOCAL_NATS_IMAGE,
  ensureRegistryImage,
  LOCAL_REGISTRY_IMAGE,
  ensureNodeGitImage,
  LOCAL_NODE_GIT_IMAGE,
  writeWorkspaceTar,
  WORKSPACE_TAR,
  prepareOfflineCompose,
  type OfflineComposeEnv,
} from "@slipway/local-images";
// The launcher's own: the same engine check, ports and polling the launcher uses.
export { ensureDockerEngine, ensureNatsServer, dockerClient, freePort, tcpReachable, httpStatus, waitUntil, repoRoot, stateDir, serviceEntry, spawnChild, isReadyLine } from "@slipway/launcher";
export { launcherPidFiles } from "@slipway/launcher";
export type { Child, ChildOptions, Exit, NatsServer, PidFiles } from "@slipway/launcher";
