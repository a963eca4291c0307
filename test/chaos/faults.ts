/**
 * The faults of a chaos run, at random moments of the load window, each on its own clock (they
 * may overlap, as real ones do):
 * - `kill -9` of a service process; the launcher starts it again after its backoff.
 * - `kill -9` of nats-server; the launcher starts it again on its data folder.
 * - the registry hangs: SIGSTOP, then SIGCONT after the set time. The kernel still accepts its
 *   connections and nothing answers, as with a hung or cut-off registry: the hardest case for a
 *   client, which must wait rather than fail fast. (A killed registry is back within a second,
 *   started again by the launcher, which packages/launcher's test covers.)
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { PidFiles } from "@slipway/test-kit";

export type FaultKind = "kill" | "hang";

export type PlannedFault = { atMs: number; target: string; kind: FaultKind };

/** What happened: when, to which pid, and how long until the launcher had it running again. */
export type FaultRecord = PlannedFault & {
  at: number;
  pid: number | null;
  /** Kill: until the pid file named a new live process. Hang: how long it was stopped. */
  outageMs: number | null;
  error: string | null;
};

export const NATS = "nats-server";
export const REGISTRY = "registry";

export type FaultPlanOptions = { killsPerService: number; natsKills: number; registryStopSeconds: number };

/** Random moments in the window for every fault; kills from 5% to 90% of it, so their effects land while load runs. */
export function planFaults(o: FaultPlanOptions, services: readonly string[], windowMs: number, rand: () => number): PlannedFault[] {
  const within = (from: number, to: number) => Math.round((from + rand() * Math.max(0, to - from)) * windowMs);
  const plan: PlannedFault[] = [];
  for (const target of services) for (let i = 0; i < o.killsPerService; i++) plan.push({ atMs: within(0.05, 0.9), target, kind: "kill" });
  for (let i = 0; i < o.natsKills; i++) plan.push({ atMs: within(0.1, 0.8), target: NATS, kind: "kill" });
  if (o.registryStopSeconds > 0) plan.push({ atMs: within(0.1, 0.9 - (o.registryStopSeconds * 1000) / windowMs), target: REGISTRY, kind: "hang" });
  return plan.sort((a, b) => a.atMs - b.atMs);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls the pid file until it names a live process other than `not`, or gives up. */
async function livePid(pids: PidFiles, name: string, timeoutMs: number, not: number | null = null): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pid = pids.read(name);
    if (pid !== null && pid !== not && alive(pid)) return pid;
    await sleep(50);
  }
  return null;
}

async function kill(fault: PlannedFault, pids: PidFiles): Promise<FaultRecord> {
  // A process killed a moment ago may still be waiting for its restart: hit the next one.
  const pid = await livePid(pids, fault.target, 120_000);
  const at = Date.now();
  if (pid === null) return { ...fault, at, pid, outageMs: null, error: `no live ${fault.target} process to kill` };
  process.kill(pid, "SIGKILL");
  const next = await livePid(pids, fault.target, 120_000, pid);
  return { ...fault, at, pid, outageMs: next === null ? null : Date.now() - at, error: next === null ? "not started again within 120 s" : null };
}

async function hang(fault: PlannedFault, pids: PidFiles, seconds: number): Promise<FaultRecord> {
  const pid = await livePid(pids, fault.target, 60_000);
  const at = Date.now();
  if (pid === null) return { ...fault, at, pid, outageMs: null, error: `no live ${fault.target} process to stop` };
  process.kill(pid, "SIGSTOP");
  try {
    await sleep(seconds * 1000);
  } finally {
    process.kill(pid, "SIGCONT");
  }
  return { ...fault, at, pid, outageMs: Date.now() - at, error: null };
}

/** Runs the plan from now on; resolves when every fault is over (killed parts back, the registry running). */
export async function runFaults(plan: readonly PlannedFault[], pids: PidFiles, registryStopSeconds: number, log: (line: string) => void): Promise<FaultRecord[]> {
  const start = Date.now();
  return Promise.all(
    plan.map(async (fault) => {
      await sleep(Math.max(0, start + fault.atMs - Date.now()));
      log(`${fault.kind === "kill" ? "kill -9" : `SIGSTOP for ${registryStopSeconds} s:`} ${fault.target}`);
      const record = fault.kind === "kill" ? await kill(fault, pids) : await hang(fault, pids, registryStopSeconds);
      const took = record.outageMs === null ? "" : ` after ${(record.outageMs / 1000).toFixed(1)} s`;
      log(record.error ? `${fault.target}: ${record.error}` : `${fault.target} (was pid ${record.pid}) ${fault.kind === "kill" ? "running again" : "answering again"}${took}`);
      return record;
    }),
  );
}
