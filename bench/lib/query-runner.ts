/**
 * Times `GET <path>` requests in a process of its own, so that the bench's big heap (the whole
 * generated history) and its collector never add to the latencies: prints the series as JSON.
 *
 *   node --import tsx bench/lib/query-runner.ts <json: { url, token, path, requests, warmup, maxMs }>
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { keepAliveClient, timeGets, type Series } from "./http-get.js";

type Job = { url: string; token: string | null; path: string; requests: number; warmup: number; maxMs: number };

/** Runs the timing in a child process; resolves to its series. */
export function timeGetsApart(job: Job): Promise<Series> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), JSON.stringify(job)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as Series) : reject(new Error(`query runner for ${job.path} exited ${code}`))));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const job = JSON.parse(process.argv[2] ?? "{}") as Job;
  const client = keepAliveClient(job.url, job.token);
  try {
    process.stdout.write(JSON.stringify(await timeGets(client, job.path, job.requests, job.warmup, job.maxMs)));
  } finally {
    client.close();
  }
}
