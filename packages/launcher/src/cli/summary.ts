import type { LauncherConfig } from "./config.js";
import { serviceProcesses } from "./config.js";

/** Which infrastructure parts this launcher started (true) or found running (false). */
export type InfraState = { docker: boolean; nats: boolean; registry: boolean };

export type Locations = { root: string; serviceLogs: string; pids: Record<string, number | undefined> };

const origin = (started: boolean) => (started ? "started by this launcher" : "reused, already running");

/** The seed README's webhook example, so the first thing to try is one copy-paste away. */
export function seedCurl(ingressPort: number): string {
  return [
    `curl -X POST 127.0.0.1:${ingressPort}/hook \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '{"ref": "refs/heads/master", "repository": {"name": "fruty_docker-ci"}, "head_commit": {"id": "test"}}'`,
  ].join("\n");
}

/** The lines printed once everything is up. */
export function summaryLines(config: LauncherConfig, state: InfraState, where: Locations): string[] {
  const pid = (name: string) => (where.pids[name] ? `pid ${where.pids[name]}` : "");
  const rows: [string, string, string][] = [
    ["ingress", `http://127.0.0.1:${config.ingressPort}/hook`, pid("ingress")],
    ["projector", `http://127.0.0.1:${config.projectorPort}/builds`, pid("projector")],
    ...serviceProcesses(config)
      .filter((p) => p.service !== "ingress" && p.service !== "projector")
      .map((p): [string, string, string] => [p.name, p.service === "github-status" ? "on: posts commit statuses" : "(no port)", pid(p.name)]),
    ...(config.githubStatus ? [] : [["github-status", "off", "set SLIPWAY_GITHUB_TOKEN to post commit statuses on GitHub"] satisfies [string, string, string]]),
    ["NATS", config.natsUrl, origin(state.nats)],
    ["registry", `http://${config.registryAddress}`, origin(state.registry)],
    ["Docker", "engine", origin(state.docker)],
  ];
  const nameWidth = Math.max(10, ...rows.map(([name]) => name.length));
  const width = Math.max(...rows.map(([, at]) => at.length));
  return [
    "",
    "slipway is up",
    ...rows.map(([name, at, note]) => `  ${name.padEnd(nameWidth)} ${at.padEnd(width)}  ${note}`.trimEnd()),
    `  ${"logs".padEnd(nameWidth)} services: ${where.serviceLogs}/<service>.log, builds: ${where.root}/logs`,
    "",
    "Try the seed's webhook:",
    ...seedCurl(config.ingressPort)
      .split("\n")
      .map((l) => `  ${l}`),
    // The token itself is never printed: the line names where it comes from.
    config.apiToken ? `  curl -H "Authorization: Bearer $SLIPWAY_API_TOKEN" 127.0.0.1:${config.projectorPort}/builds` : `  curl 127.0.0.1:${config.projectorPort}/builds`,
    `  curl ${config.registryAddress}/v2/_catalog`,
    "",
    "Ctrl-C stops the services, then what this launcher started.",
    "",
  ];
}

export function printSummary(config: LauncherConfig, state: InfraState, where: Locations): void {
  console.log(summaryLines(config, state, where).join("\n"));
}
