import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkRun, ProblemKind, type CheckInput } from "./checks.js";
import { build, delivery, push } from "./checks.fixtures.js";
import { shortRun } from "./options.js";
import { runChaos } from "./run.js";

// The checks first, on made-up views: each rule must be able to fail.
const two = [
  { name: "Dockerfile", expect: "pushed" },
  { name: "Dockerfile_broken", expect: "failed" },
] as const;
const p1 = push(1, two);
const healthy: CheckInput = {
  pushes: [p1, push(2, two, 503)],
  deliveries: [delivery(p1)],
  builds: [build(p1, "Dockerfile", "succeeded"), build(p1, "Dockerfile_broken", "failed")],
  missingDigests: new Set(),
};
const kinds = (input: CheckInput) => checkRun(input).problems.map((p) => p.kind);

test("chaos checks - a run where every accepted Dockerfile has one verdict passes, with its figures", () => {
  const { problems, figures } = checkRun(healthy);
  assert.equal(problems, []);
  assert.is(figures.accepted, 1);
  assert.equal(figures.refused, { "503": 1 });
  assert.is(figures.expectedBuilds, 2);
  assert.is(figures.terminal, 2);
  assert.is(figures.pushed, 1);
  assert.is(figures.failedOnPurpose, 1);
  assert.equal(figures.timeToTerminalMs, [1000, 1000]);
});

test("chaos checks - a missing delivery or build is a loss, a build without verdict is not terminal", () => {
  assert.equal(kinds({ ...healthy, deliveries: [], builds: [] }), [ProblemKind.lost, ProblemKind.countMismatch]);
  assert.equal(kinds({ ...healthy, builds: [healthy.builds[0]!] }), [ProblemKind.lost]);
  assert.equal(kinds({ ...healthy, builds: [healthy.builds[0]!, build(p1, "Dockerfile_broken", "running")] }), [ProblemKind.notTerminal]);
  assert.equal(kinds({ ...healthy, deliveries: [delivery(p1, "sync_failed")], builds: [] }), [ProblemKind.lost, ProblemKind.lost, ProblemKind.lost]);
});

test("chaos checks - a build twice, a second verdict or an event applied twice is a duplicate", () => {
  const again = build(p1, "Dockerfile", "succeeded", "other-id");
  assert.equal(kinds({ ...healthy, builds: [...healthy.builds, again] }), [ProblemKind.duplicate]);
  const twoVerdicts = build(p1, "Dockerfile", "succeeded");
  twoVerdicts.events.push({ seq: 9, type: "BuildFailed", id: "late-verdict", time: twoVerdicts.queuedAt });
  assert.equal(kinds({ ...healthy, builds: [twoVerdicts, healthy.builds[1]!] }), [ProblemKind.duplicate]);
  const appliedTwice = build(p1, "Dockerfile", "succeeded");
  appliedTwice.events.push({ ...appliedTwice.events[1]!, seq: 9 });
  assert.equal(kinds({ ...healthy, builds: [appliedTwice, healthy.builds[1]!] }), [ProblemKind.duplicate]);
  const p3 = push(3, two);
  const sameNumber = { ...delivery(p3), buildNumber: p1.n };
  const third = { ...healthy, pushes: [...healthy.pushes, p3], deliveries: [...healthy.deliveries, sameNumber], builds: [...healthy.builds, build(p3, "Dockerfile", "succeeded"), build(p3, "Dockerfile_broken", "failed")] };
  assert.equal(kinds(third), [ProblemKind.duplicate]);
});

test("chaos checks - a wrong verdict, a digest the registry lacks, a refused webhook in the view", () => {
  assert.equal(kinds({ ...healthy, builds: [healthy.builds[0]!, build(p1, "Dockerfile_broken", "succeeded")] }), [ProblemKind.wrongVerdict]);
  const pushed = healthy.builds[0]!;
  assert.equal(kinds({ ...healthy, missingDigests: new Set([`${pushed.image}@${pushed.digest}`]) }), [ProblemKind.digestMissing]);
  assert.equal(kinds({ ...healthy, deliveries: [...healthy.deliveries, delivery(healthy.pushes[1]!)] }), [ProblemKind.countMismatch, ProblemKind.countMismatch]);
});

test("chaos checks - a build failed by the faults (not its own RUN) is counted by code, not a problem", () => {
  const { problems, figures } = checkRun({ ...healthy, builds: [build(p1, "Dockerfile", "failed"), healthy.builds[1]!] });
  assert.equal(problems, []);
  assert.equal(figures.failedByFaults, { DOCKER_BUILD_FAILED: 1 });
  const abandoned = build(p1, "Dockerfile_broken", "failed");
  abandoned.error = { stage: "infrastructure", code: "SLIPWAY_BUILD_ABANDONED", message: "abandoned after 3 attempts" };
  const again = checkRun({ ...healthy, builds: [healthy.builds[0]!, abandoned] });
  assert.equal([again.problems, again.figures.failedOnPurpose, again.figures.failedByFaults], [[], 0, { SLIPWAY_BUILD_ABANDONED: 1 }]);
});

// The short chaos run (`npm run chaos -- --short`): 20 webhooks while every service process is
// killed once, NATS once and the registry hangs for 20 s; nothing accepted may be lost or built twice.
test("chaos - every accepted webhook ends in one verdict per Dockerfile, across kills and outages", async () => {
  const result = await runChaos(shortRun());
  console.log(result.lines.join("\n"));
  const f = result.outcome.figures;
  assert.ok(result.facts.settled.settled, `did not settle: ${result.facts.settled.waitingFor.join("; ")}`);
  assert.equal(result.outcome.problems, [], result.lines.join("\n"));
  assert.ok(f.accepted > 0, "some webhooks were accepted");
  assert.is(f.terminal, f.expectedBuilds);
  assert.is(f.duplicates, 0);
  assert.is(f.deliveriesInView, f.accepted);
  const killed = new Set(result.facts.faults.filter((x) => x.kind === "kill" && x.pid !== null).map((x) => x.target));
  for (const name of ["ingress", "git-sync", "builder-1", "builder-2", "projector", "nats-server"]) assert.ok(killed.has(name), `${name} was killed`);
  assert.ok(result.facts.faults.every((x) => x.error === null), result.facts.faults.map((x) => `${x.target}: ${x.error}`).join("\n"));
});

test.run();
