/**
 * @slipway/launcher: what `npm start` runs (`dist/cli/up.js`): a Docker engine, NATS and a registry
 * where none answers, then every service, each restarted when it dies. Exported for the test kit,
 * which starts the same parts for integration tests.
 */
export { ensureDockerEngine, type DockerEngine, type EnsureDockerOptions } from "./infra/docker.js";
export { ensureNatsServer, type NatsServer } from "./infra/nats.js";
export { ensureRegistryServer } from "./infra/registry.js";
export { dockerClient, dockerAnswers, imageExists } from "./docker.js";
export { freePort, tcpReachable, httpStatus, waitUntil, splitHostPort } from "./net.js";
export { repoRoot, stateDir, serviceBuildProblem, serviceEntry } from "./paths.js";
export { spawnChild, spawnDaemon, stopPid, type Child, type ChildOptions, type Exit } from "./processes.js";
export { isReadyLine } from "./lines.js";
export { findBinary, librariesOf } from "./binaries.js";
export { launcherPidFiles, type PidFiles } from "./cli/pid-files.js";
export { tailOf } from "./infra/log-tail.js";
