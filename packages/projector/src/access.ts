import type { ProjectorConfig } from "./config.js";

/** Routes that answer without the token: a liveness probe must not need a secret. */
export const OPEN_ROUTES: readonly string[] = ["/healthz"];

/** The line the projector logs at start about who may read its API. */
export type AccessMode = { level: "info" | "warn"; message: string };

export function accessMode(config: Pick<ProjectorConfig, "apiToken" | "insecureNoToken" | "host" | "port">): AccessMode {
  const at = `${config.host}:${config.port}`;
  if (config.apiToken !== null) {
    return { level: "info", message: `API on ${at}: every route but ${OPEN_ROUTES.join(", ")} requires Authorization: Bearer <SLIPWAY_API_TOKEN> (the dashboard's page, / and /assets/, holds no data and needs none; ingress checks the control routes forwarded to it)` };
  }
  if (config.insecureNoToken) {
    return { level: "warn", message: `API on ${at} WITHOUT a token (SLIPWAY_PROJECTOR_INSECURE_NO_TOKEN=true): anyone who reaches it reads every build's log, commits and deliveries` };
  }
  return { level: "info", message: `API on ${at} only, without a token: this host only. Set SLIPWAY_API_TOKEN to listen on every address` };
}
