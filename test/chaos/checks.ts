/**
 * The verdict of a chaos run, from what was sent and what the view shows: pure, so every rule
 * reads in one place. The contract checked: each accepted webhook ends in exactly one terminal
 * state per Dockerfile, no build twice, every pushed digest in the registry, and as many
 * deliveries in the view as webhooks answered 2xx.
 */
import { isAccepted, type Push } from "./load.js";
import { isTerminalStatus, VERDICT_EVENTS, type ViewBuildDetail, type ViewDelivery } from "./view.js";

export const ProblemKind = {
  /** An accepted webhook, or one of its Dockerfiles, without a build in the view. */
  lost: "lost",
  notTerminal: "not-terminal",
  /** A build twice, a second verdict, an event applied twice, one build number for two pushes. */
  duplicate: "duplicate",
  /** A Dockerfile that fails on purpose was pushed. */
  wrongVerdict: "wrong-verdict",
  digestMissing: "digest-missing",
  /** Deliveries in the view differ from the webhooks answered 2xx. */
  countMismatch: "count-mismatch",
  unexpected: "unexpected",
} as const;
export type ProblemKind = (typeof ProblemKind)[keyof typeof ProblemKind];

export type Problem = { kind: ProblemKind; detail: string };

export type CheckInput = {
  pushes: readonly Push[];
  deliveries: readonly ViewDelivery[];
  /** Every build of the view, with its events. */
  builds: readonly ViewBuildDetail[];
  /** `<image>@<digest>` of pushed builds the registry does not hold. */
  missingDigests: ReadonlySet<string>;
};

export type Figures = {
  sent: number;
  accepted: number;
  /** Webhooks not answered 2xx, by answer ("503", "no answer"). */
  refused: Record<string, number>;
  deliveriesInView: number;
  /** Deliveries in the view whose webhook was not answered 2xx (stored, but the answer said otherwise or never came). */
  storedWithout2xx: number;
  /** Dockerfiles of accepted webhooks: the verdicts owed. */
  expectedBuilds: number;
  buildsInView: number;
  terminal: number;
  pushed: number;
  failedOnPurpose: number;
  /** Builds that failed for another reason than their own RUN step, by the failure's code (what the faults cost). */
  failedByFaults: Record<string, number>;
  cancelled: number;
  duplicates: number;
  digestsChecked: number;
  /** ms from the 2xx answer to the build's verdict, sorted. */
  timeToTerminalMs: number[];
};

export type Outcome = { problems: Problem[]; figures: Figures };

const key = (deliveryId: string, dockerfile: string) => `${deliveryId}\n${dockerfile}`;

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
}

export function describeAnswer(push: Push): string {
  return push.answer.status === null ? "no answer" : String(push.answer.status);
}

export function checkRun(input: CheckInput): Outcome {
  const problems: Problem[] = [];
  const add = (kind: ProblemKind, detail: string) => problems.push({ kind, detail });
  const accepted = input.pushes.filter(isAccepted);
  const acceptedIds = new Set(accepted.map((p) => p.deliveryId));
  const sent = new Map(input.pushes.map((p) => [p.deliveryId, p]));
  const deliveries = groupBy(input.deliveries, (d) => d.deliveryId);
  const builds = groupBy(input.builds, (b) => key(b.deliveryId, b.dockerfile));
  const figures: Figures = {
    sent: input.pushes.length,
    accepted: accepted.length,
    refused: {},
    deliveriesInView: input.deliveries.length,
    storedWithout2xx: 0,
    expectedBuilds: 0,
    buildsInView: input.builds.length,
    terminal: 0,
    pushed: 0,
    failedOnPurpose: 0,
    failedByFaults: {},
    cancelled: 0,
    duplicates: 0,
    digestsChecked: 0,
    timeToTerminalMs: [],
  };
  const duplicate = (detail: string) => {
    figures.duplicates++;
    add(ProblemKind.duplicate, detail);
  };
  for (const p of input.pushes) if (!isAccepted(p)) figures.refused[describeAnswer(p)] = (figures.refused[describeAnswer(p)] ?? 0) + 1;

  for (const [id, list] of deliveries) if (list.length > 1) duplicate(`delivery ${id} is in the view ${list.length} times`);
  for (const [id, list] of groupBy(input.builds, (b) => b.id)) if (list.length > 1) duplicate(`build ${id} is listed ${list.length} times`);
  // `:<build number>` never moves: two pushes with one number would push one tag twice.
  const numbered = input.deliveries.filter((d) => d.buildNumber !== null);
  for (const [at, list] of groupBy(numbered, (d) => `${d.repo} #${d.buildNumber}`)) if (list.length > 1) duplicate(`${at} was given to ${list.length} deliveries: ${list.map((d) => d.deliveryId).join(", ")}`);

  for (const p of accepted) {
    const label = `webhook ${p.n} (${p.repo}@${p.sha.slice(0, 8)}, delivery ${p.deliveryId})`;
    figures.expectedBuilds += p.dockerfiles.length;
    const delivery = deliveries.get(p.deliveryId)?.[0];
    if (!delivery) {
      add(ProblemKind.lost, `${label} was answered ${describeAnswer(p)} but is not in the view`);
      continue;
    }
    if (delivery.status !== "synced") add(ProblemKind.lost, `${label} is ${delivery.status}${delivery.error ? ` (${delivery.error.code}: ${delivery.error.message})` : ""}`);
    const expected = new Set(p.dockerfiles.map((d) => d.name));
    for (const b of input.builds.filter((b) => b.deliveryId === p.deliveryId && !expected.has(b.dockerfile))) add(ProblemKind.unexpected, `${label}: build ${b.id} of ${b.dockerfile || "an unknown Dockerfile"}, which the commit does not have`);

    for (const dockerfile of p.dockerfiles) {
      const found = builds.get(key(p.deliveryId, dockerfile.name)) ?? [];
      const b = found[0];
      if (!b) {
        add(ProblemKind.lost, `${label}: no build of ${dockerfile.name}`);
        continue;
      }
      if (found.length > 1) duplicate(`${label}: ${found.length} builds of ${dockerfile.name} (${found.map((f) => f.id).join(", ")})`);
      const verdicts = b.events.filter((e) => VERDICT_EVENTS.includes(e.type));
      if (verdicts.length > 1) duplicate(`build ${b.id} (${p.repo} ${dockerfile.name}) has ${verdicts.length} verdicts: ${verdicts.map((v) => `${v.type} ${v.id}`).join(", ")}`);
      if (new Set(b.events.map((e) => e.id)).size !== b.events.length) duplicate(`build ${b.id} (${p.repo} ${dockerfile.name}): an event was applied twice`);
      if (!isTerminalStatus(b.status)) {
        add(ProblemKind.notTerminal, `build ${b.id} (${p.repo} ${dockerfile.name}, ${label}) is still ${b.status} after ${b.attempts} attempts`);
        continue;
      }
      figures.terminal++;
      if (b.finishedAt) figures.timeToTerminalMs.push(Math.max(0, Date.parse(b.finishedAt) - p.answeredAt));
      if (b.status === "succeeded") {
        figures.pushed++;
        if (dockerfile.expect === "failed") add(ProblemKind.wrongVerdict, `build ${b.id} (${p.repo} ${dockerfile.name}) fails on purpose but was pushed`);
        if (!b.digest) add(ProblemKind.unexpected, `build ${b.id} (${p.repo} ${dockerfile.name}) succeeded without a digest`);
        else {
          figures.digestsChecked++;
          if (input.missingDigests.has(`${b.image}@${b.digest}`)) add(ProblemKind.digestMissing, `build ${b.id}: ${b.image}@${b.digest} is not in the registry`);
        }
      } else if (b.status === "failed") {
        // On purpose means its RUN step failed; one abandoned after its builders were killed failed by the faults.
        if (dockerfile.expect === "failed" && b.error?.stage === "build") figures.failedOnPurpose++;
        else {
          const code = b.error?.code ?? "unknown";
          figures.failedByFaults[code] = (figures.failedByFaults[code] ?? 0) + 1;
        }
      } else {
        figures.cancelled++;
        add(ProblemKind.unexpected, `build ${b.id} (${p.repo} ${dockerfile.name}) was cancelled, and nobody cancels in this run`);
      }
    }
  }

  for (const d of input.deliveries) {
    if (acceptedIds.has(d.deliveryId)) continue;
    figures.storedWithout2xx++;
    const p = sent.get(d.deliveryId);
    add(ProblemKind.countMismatch, p ? `delivery ${d.deliveryId} (webhook ${p.n}) is in the view, but ingress answered ${describeAnswer(p)}${p.answer.status === null ? ` (${p.answer.error})` : ""}` : `delivery ${d.deliveryId} is in the view but was never sent`);
  }
  if (input.deliveries.length !== accepted.length) add(ProblemKind.countMismatch, `${accepted.length} webhooks answered 2xx, ${input.deliveries.length} deliveries in the view`);
  figures.timeToTerminalMs.sort((a, b) => a - b);
  return { problems, figures };
}
