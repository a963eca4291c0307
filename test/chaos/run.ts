/**
 * One chaos run: the system as `npm start` runs it, webhooks at random moments while services,
 * NATS and the registry fail under it, then, once it has settled, the checks of `checks.ts` and
 * the figures of `report.ts`. `main.ts` is the command, `chaos.int.test.ts` the short run in `npm test`.
 */
import { random } from "../../packages/projector/test/random.js";
import { checkRun, type Outcome } from "./checks.js";
import { reviveDockerEngine, watchDockerEngine } from "./engine-watch.js";
import { planFaults, runFaults } from "./faults.js";
import { isAccepted, planLoad, sendLoad } from "./load.js";
import type { ChaosOptions } from "./options.js";
import { registryHasDigest } from "./registry-check.js";
import { reportLines, type RunFacts } from "./report.js";
import { CHAOS_REPOS, createChaosRepos } from "./repos.js";
import { waitUntilSettled } from "./settle.js";
import { startChaosSystem } from "./system.js";
import { allBuilds, allDeliveries, buildDetail, type ViewBuildDetail } from "./view.js";

export type ChaosResult = {
  /** Nothing lost, nothing twice, every digest in the registry, settled in time. */
  ok: boolean;
  /** The report, ready to print. */
  lines: string[];
  outcome: Outcome;
  facts: RunFacts;
  /** The run's folder when it was kept (asked for, or the run failed). */
  keptAt: string | null;
};

/** `fn` over `items`, at most `limit` at once, results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const log = (line: string) => options.log(`[chaos ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  const rand = random(options.seed);
  log(`starting slipway with its launcher (seed ${options.seed})`);
  const system = await startChaosSystem(options);
  let keep = options.keepState;
  const engine = watchDockerEngine();
  try {
    log(`up: ${system.services.join(", ")}, NATS ${system.natsUrl}, registry ${system.registryAddress}, state ${system.stateDir}`);
    const repos = createChaosRepos(system.gitRoot, system.base);
    const windowMs = options.loadSeconds * 1000;
    const loadPlan = planLoad(options.webhooks, windowMs, repos.length, rand);
    const faultPlan = planFaults(options, system.services, windowMs, rand);
    log(`${options.webhooks} webhooks over ${options.loadSeconds} s, ${faultPlan.length} faults: ${faultPlan.map((f) => `${f.target}@${(f.atMs / 1000).toFixed(0)}s`).join(" ")}`);

    const [pushes, faults] = await Promise.all([
      sendLoad(loadPlan, repos, system.hookUrl, options.seed.toString(36), log),
      runFaults(faultPlan, system.pids, options.registryStopSeconds, log),
    ]);
    log(`load and faults over: ${pushes.filter(isAccepted).length} of ${pushes.length} webhooks accepted; waiting for the system to settle`);
    const settled = await waitUntilSettled({ natsUrl: system.natsUrl, projectorUrl: system.projectorUrl, pushes, timeoutMs: options.settleTimeoutSeconds * 1000, log });

    log(settled.settled ? "settled; checking the view and the registry" : "did not settle; checking what there is");
    const deliveries = await allDeliveries(system.projectorUrl);
    const builds: ViewBuildDetail[] = await mapLimit(await allBuilds(system.projectorUrl), 8, (b) => buildDetail(system.projectorUrl, b.id));
    // A check that cannot fail proves nothing: the registry must deny a digest it never got.
    const anyImage = builds.find((b) => b.status === "succeeded")?.image;
    if (anyImage && (await registryHasDigest(system.registryAddress, anyImage, `sha256:${"0".repeat(64)}`))) throw new Error("the registry claims a digest nobody pushed: its check is blind");
    const missingDigests = new Set<string>();
    await mapLimit(
      builds.filter((b) => b.status === "succeeded" && b.digest),
      8,
      async (b) => {
        if (!(await registryHasDigest(system.registryAddress, b.image, b.digest!))) missingDigests.add(`${b.image}@${b.digest}`);
      },
    );
    const outcome = checkRun({ pushes, deliveries, builds, missingDigests });
    const engineDownAfterMs = engine.stop();
    const said = system.launcherSaid();
    const facts: RunFacts = {
      seed: options.seed,
      loadSeconds: options.loadSeconds,
      repos: CHAOS_REPOS.length,
      dockerfiles: CHAOS_REPOS.reduce((n, r) => n + r.dockerfiles.length, 0),
      failingDockerfiles: CHAOS_REPOS.reduce((n, r) => n + r.dockerfiles.filter((d) => d.expect === "failed").length, 0),
      buildAckWaitSeconds: options.buildAckWaitSeconds,
      faults,
      restartsSeen: said.restarts,
      exitsSeen: said.exits,
      settled,
      engineDownAfterMs,
      totalMs: Date.now() - started,
    };
    const ok = settled.settled && outcome.problems.length === 0;
    keep ||= !ok;
    return { ok, lines: reportLines(outcome, facts), outcome, facts, keptAt: keep ? system.work : null };
  } catch (err) {
    keep = true;
    log(`the run broke off (${err instanceof Error ? err.message : String(err)}); its folder is kept: ${system.work}`);
    throw err;
  } finally {
    // Before the stop, which removes the run's image tags through it; and for whatever runs next.
    if (engine.stop() !== null) log(`the Docker engine stopped answering during the run; ${await reviveDockerEngine().catch((err: unknown) => String(err))}`);
    log("stopping the system");
    await system.stop(keep);
  }
}
