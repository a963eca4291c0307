/** The figures of a chaos run as printed lines. */
import type { Outcome } from "./checks.js";
import type { FaultRecord } from "./faults.js";
import { NATS, REGISTRY } from "./faults.js";
import type { Settled } from "./settle.js";

export type RunFacts = {
  seed: number;
  loadSeconds: number;
  repos: number;
  dockerfiles: number;
  failingDockerfiles: number;
  buildAckWaitSeconds: number;
  faults: readonly FaultRecord[];
  /** "<name> is ready again" / "is running again" lines of the launcher, by name. */
  restartsSeen: Record<string, number>;
  /** "<name> exited unexpectedly" lines of the launcher, by name. */
  exitsSeen: Record<string, number>;
  settled: Settled;
  /** ms from the system's start to the Docker engine's first unanswered ping (it died), or null. */
  engineDownAfterMs: number | null;
  totalMs: number;
};

/** The value at `p` (0-1) of sorted numbers (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const seconds = (ms: number | null) => (ms === null ? "n/a" : `${(ms / 1000).toFixed(1)} s`);
const counts = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ") || "none";
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

export function reportLines(outcome: Outcome, facts: RunFacts): string[] {
  const f = outcome.figures;
  const kills: Record<string, number> = {};
  for (const fault of facts.faults) if (fault.kind === "kill" && fault.target !== NATS && fault.pid !== null) kills[fault.target] = (kills[fault.target] ?? 0) + 1;
  const natsKills = facts.faults.filter((x) => x.target === NATS && x.pid !== null);
  const hang = facts.faults.find((x) => x.target === REGISTRY);
  const serviceRestarts = Object.fromEntries(Object.entries(facts.restartsSeen).filter(([name]) => name !== NATS && name !== REGISTRY));
  const unplanned = Object.entries(facts.exitsSeen)
    .map(([name, n]) => [name, n - (name === NATS ? natsKills.length : (kills[name] ?? 0))] as const)
    .filter(([, n]) => n > 0);
  const terminalPct = f.expectedBuilds === 0 ? 100 : (100 * f.terminal) / f.expectedBuilds;
  const ok = outcome.problems.length === 0 && facts.settled.settled;
  return [
    `chaos run, seed ${facts.seed}: ${f.sent} webhooks over ${facts.loadSeconds} s to ${facts.repos} repos (${facts.dockerfiles} Dockerfiles, ${facts.failingDockerfiles} failing on purpose), build ack wait ${facts.buildAckWaitSeconds} s`,
    `  webhooks       sent ${f.sent}, accepted (2xx) ${f.accepted}, refused ${sum(f.refused)} (${counts(f.refused)})`,
    `  deliveries     in the view ${f.deliveriesInView} (2xx answers ${f.accepted}${f.storedWithout2xx ? `; ${f.storedWithout2xx} stored without a 2xx` : ""})`,
    `  builds         owed ${f.expectedBuilds}, terminal ${f.terminal} (${terminalPct.toFixed(1)}%): pushed ${f.pushed}, failed on purpose ${f.failedOnPurpose}, failed by the faults ${sum(f.failedByFaults)} (${counts(f.failedByFaults)}), cancelled ${f.cancelled}`,
    `  duplicates     ${f.duplicates}`,
    `  registry       ${f.digestsChecked} pushed digests checked, ${outcome.problems.filter((p) => p.kind === "digest-missing").length} missing`,
    `  kills          ${counts(kills)} (total ${sum(kills)})`,
    `  restarts seen  ${counts(serviceRestarts)} (total ${sum(serviceRestarts)} back to ready); unplanned exits: ${unplanned.length ? unplanned.map(([n, c]) => `${n} ${c}`).join(", ") : "none"}`,
    `  NATS           killed ${natsKills.length}x, back after ${natsKills.map((x) => seconds(x.outageMs)).join(", ") || "n/a"}`,
    `  registry hang  ${hang ? `${seconds(hang.outageMs)} (SIGSTOP .. SIGCONT)` : "none"}`,
    `  Docker engine  ${facts.engineDownAfterMs === null ? "answered throughout" : `STOPPED ANSWERING ${seconds(facts.engineDownAfterMs)} into the run (no fault of this run's; see its log), started again after the checks`}`,
    `  to terminal    p50 ${seconds(percentile(f.timeToTerminalMs, 0.5))}, p99 ${seconds(percentile(f.timeToTerminalMs, 0.99))}, max ${seconds(percentile(f.timeToTerminalMs, 1))} (2xx answer -> verdict)`,
    `  settled        ${facts.settled.settled ? `${seconds(facts.settled.afterMs)} after the load and faults` : `NOT within ${seconds(facts.settled.afterMs)}: ${facts.settled.waitingFor.join("; ")}`}; whole run ${seconds(facts.totalMs)}`,
    ...outcome.problems.map((p) => `  PROBLEM ${p.kind}: ${p.detail}`),
    ok ? "  result         PASS: nothing lost, nothing twice" : `  result         FAIL: ${outcome.problems.length} problems${facts.settled.settled ? "" : ", did not settle"}`,
  ];
}
