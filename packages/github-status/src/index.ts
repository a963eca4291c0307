export { loadConfig, DEFAULT_API_URL, type GithubStatusConfig } from "./config.js";
export { CommitState, isStatusEvent, statusFor, statusPhase, statusTarget, statusContext, type CommitStatus, type StatusEvent, type StatusOptions, type StatusPhase, type StatusTarget } from "./status.js";
export { handleStatusEvent, Outcome, type HandlerDeps, type Delivery } from "./handle-event.js";
export { GITHUB_STATUSES_BUCKET, postedKey } from "./posted-store.js";
export { GithubUnavailableError, GithubStatusErrorCode } from "./errors.js";
export { startGithubStatus } from "./service.js";
