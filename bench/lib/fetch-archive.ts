/** Runs the git-sync baseline, bench/baseline/fetch-archive.sh: mirror (clone or fetch) + `git archive | wc -c`. */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const FETCH_ARCHIVE = join(dirname(fileURLToPath(import.meta.url)), "..", "baseline", "fetch-archive.sh");

export type ScriptRun = {
  /** Wall time around the script, as this process saw it (bash start included), ms. */
  wallMs: number;
  /** The script's own split, ms. */
  fetchMs: number;
  archiveMs: number;
  /** Size of the tar. */
  bytes: number;
  cloned: boolean;
};

/** One run of the script on its own mirror; throws with its stderr when it fails. */
export function fetchArchive(url: string, mirror: string, sha: string): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("bash", [FETCH_ARCHIVE, url, mirror, sha], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.once("error", reject);
    child.once("close", (code) => {
      const wallMs = performance.now() - started;
      const m = /^baseline fetch_ms=(\d+) archive_ms=(\d+) total_ms=\d+ bytes=(\d+) cloned=([01])$/m.exec(stdout);
      if (code !== 0 || !m) return reject(new Error(`fetch-archive.sh ${url} ${sha}: exit ${code}\n${stdout}${stderr}`));
      resolve({ wallMs, fetchMs: Number(m[1]), archiveMs: Number(m[2]), bytes: Number(m[3]), cloned: m[4] === "1" });
    });
  });
}
