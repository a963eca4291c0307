import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { dockerClient, freePort, removeLocalTags, repoRoot, WORKSPACE_TAR } from "@slipway/test-kit";
import { waitFor } from "../e2e/helpers.js";

/** One docker-compose project: its name, compose files and environment, the same for every command. */
export type ComposeProject = {
  name: string;
  /** Runs `docker-compose -p <name> -f … <args>`; resolves with its output, rejects with the last of it. */
  run(args: string[], timeoutMs?: number): Promise<string>;
  /** What Docker still holds of the project (by compose's label or by name): containers in any state, networks, volumes. */
  leftovers(): Promise<{ containers: string[]; networks: string[]; volumes: string[] }>;
  /** Polls until `probe` gives a value; on a timeout prints the services' last log lines, then fails. */
  waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs?: number): Promise<T>;
};

export function composeProject(o: { name: string; files: string[]; env: NodeJS.ProcessEnv }): ComposeProject {
  const base = ["-p", o.name, ...o.files.flatMap((f) => ["-f", f])];
  return {
    name: o.name,
    run: (args, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        execFile("docker-compose", [...base, ...args], { env: o.env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
          const output = `${stdout}${stderr}`;
          if ((err as NodeJS.ErrnoException | null)?.code === "ENOENT") reject(new Error("docker-compose not found: apt-get install docker-compose (npm test's bootstrap does)"));
          else if (err) reject(new Error(`docker-compose ${args.join(" ")} failed: ${err.message}\n${output.split("\n").slice(-40).join("\n")}`));
          else resolve(output);
        });
      }),
    leftovers: () => leftovers(o.name),
    async waitFor(what, probe, timeoutMs) {
      try {
        return await waitFor(what, probe, timeoutMs);
      } catch (err) {
        console.error(await this.run(["logs", "--no-color", "--tail=30"]).catch((e: Error) => e.message));
        throw err;
      }
    },
  };
}

/**
 * Everything a compose test made, removed also after a failed test: the project (down -v), its
 * service image, the builders' tags of its registry, the workspace tar and the test's folder.
 */
export async function removeComposeRun(o: { project?: ComposeProject; servicesImage?: string; registryAddress?: string; work?: string }): Promise<void> {
  await o.project?.run(["down", "-v", "--remove-orphans"]).catch((e) => console.error(e));
  if (o.servicesImage) await dockerClient().getImage(o.servicesImage).remove().catch(() => undefined);
  if (o.registryAddress) await removeLocalTags(o.registryAddress).catch((e) => console.error(e));
  rmSync(join(repoRoot(), WORKSPACE_TAR), { force: true });
  if (o.work) rmSync(o.work, { recursive: true, force: true });
}

async function leftovers(project: string): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const docker = dockerClient();
  // Both filters: compose labels what it creates, and the project name (unique) is in every name.
  const filters: Record<string, string[]>[] = [{ label: [`com.docker.compose.project=${project}`] }, { name: [project] }];
  const containers = new Set<string>();
  const networks = new Set<string>();
  const volumes = new Set<string>();
  for (const filter of filters) {
    for (const c of await docker.listContainers({ all: true, filters: filter })) containers.add(c.Names.join(","));
    for (const n of await docker.listNetworks({ filters: filter })) networks.add(n.Name);
    for (const v of (await docker.listVolumes({ filters: filter })).Volumes ?? []) volumes.add(v.Name);
  }
  return { containers: [...containers], networks: [...networks], volumes: [...volumes] };
}

/** `n` different free ports (one asked after the other may come back the same). */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** Host environment without slipway or compose settings of the developer's shell: the test sets its own. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SLIPWAY_") && !k.startsWith("COMPOSE_") && k !== "BASE_IMAGE"));
}

/** POST with node:http, as curl would (fetch refuses ingress's default port 6000). */
export function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.once("error", reject);
    req.end(body);
  });
}

/**
 * Writes a compose override that lets git-sync clone from a host folder of bare repositories,
 * mounted read-only. git there runs as root and refuses repositories another user owns (whoever
 * runs the test): safe.directory.
 */
export function writeGitOverride(o: { file: string; gitRoot: string; gitConfig: string }): void {
  writeFileSync(o.gitConfig, "[safe]\n\tdirectory = *\n");
  writeFileSync(
    o.file,
    [
      'version: "3.8"',
      "services:",
      "  git-sync:",
      "    environment:",
      '      SLIPWAY_GIT_URL: "/srv/git/{name}.git"',
      "      GIT_CONFIG_GLOBAL: /etc/slipway/gitconfig",
      "    volumes:",
      `      - "${o.gitRoot}:/srv/git:ro"`,
      `      - "${o.gitConfig}:/etc/slipway/gitconfig:ro"`,
      "",
    ].join("\n"),
  );
}
