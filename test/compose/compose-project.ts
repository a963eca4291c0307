import { execFile } from "node:child_process";
import { dockerClient } from "@slipway/stack";

/** One docker-compose project: its name, compose files and environment, the same for every command. */
export type ComposeProject = {
  name: string;
  /** Runs `docker-compose -p <name> -f … <args>`; resolves with its output, rejects with the last of it. */
  run(args: string[], timeoutMs?: number): Promise<string>;
  /** What Docker still holds of the project (by compose's label or by name): containers in any state, networks, volumes. */
  leftovers(): Promise<{ containers: string[]; networks: string[]; volumes: string[] }>;
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
  };
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
