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
export { ensureBusyboxImage, LOCAL_BUSYBOX_IMAGE } from "./images/busybox-image.js";
export { ensureNatsImage, LOCAL_NATS_IMAGE } from "./images/nats-image.js";
export { ensureRegistryImage, LOCAL_REGISTRY_IMAGE } from "./images/registry-image.js";
export { removeLocalTags } from "./registry-tags.js";
export { runningSteps } from "./step-processes.js";
// The launcher's own: the same engine check, ports and polling the launcher uses.
export { ensureDockerEngine, dockerClient, freePort, tcpReachable, httpStatus, waitUntil, repoRoot, stateDir, serviceEntry, spawnChild, isReadyLine } from "@slipway/launcher";
export type { Child, ChildOptions, Exit } from "@slipway/launcher";
