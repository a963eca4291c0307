import { readdir, readFile } from "node:fs/promises";

/**
 * How many shell processes on this host run a build step whose command mentions `marker` (a test
 * puts a nonce in its `RUN` line). Read from /proc because BuildKit runs steps with runc directly:
 * they are processes of the engine's host, not Docker containers (`docker ps` never lists them).
 * Only `sh -c` processes count, so a step is one process however many children it starts.
 */
export async function runningSteps(marker: string): Promise<number> {
  let count = 0;
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const args = await readFile(`/proc/${pid}/cmdline`, "utf8").then((t) => t.split("\0"), () => [] as string[]);
    if (args[1] === "-c" && /(^|\/)sh$/.test(args[0] ?? "") && (args[2] ?? "").includes(marker)) count++;
  }
  return count;
}
