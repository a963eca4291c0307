/**
 * The webhooks of a chaos run: at random moments of the load window, a new commit to a random
 * fixture repo and GitHub's push webhook for it, answered or not. GitHub does not retry a webhook
 * that failed, so neither does this: a refused one is counted, not sent again.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { httpRequest, type Answer } from "./http.js";
import { CHAOS_OWNER, type ChaosRepo, type DockerfileSpec } from "./repos.js";

/** One webhook sent, and how ingress answered. */
export type Push = {
  n: number;
  repo: string;
  sha: string;
  deliveryId: string;
  dockerfiles: readonly DockerfileSpec[];
  /** ms since the epoch. */
  sentAt: number;
  answeredAt: number;
  answer: Answer;
};

export function isAccepted(push: Push): boolean {
  return push.answer.status !== null && push.answer.status >= 200 && push.answer.status < 300;
}

export type PlannedPush = { atMs: number; repo: number };

/** `count` webhooks at uniformly random moments of the window (so some bunch up), each to a random repo. */
export function planLoad(count: number, windowMs: number, repos: number, rand: () => number): PlannedPush[] {
  return Array.from({ length: count }, () => ({ atMs: Math.round(rand() * windowMs), repo: Math.floor(rand() * repos) })).sort((a, b) => a.atMs - b.atMs);
}

/** GitHub's push payload, the fields slipway reads and a few it does not. */
function pushPayload(repo: string, sha: string, n: number): string {
  return JSON.stringify({
    ref: "refs/heads/master",
    before: "0".repeat(40),
    after: sha,
    repository: { name: repo, full_name: `${CHAOS_OWNER}/${repo}`, owner: { login: CHAOS_OWNER }, default_branch: "master" },
    head_commit: { id: sha, message: `chaos push ${n}` },
    pusher: { name: "chaos" },
  });
}

/** Sends the plan from now on; resolves with every webhook once all are answered (or given up on). */
export async function sendLoad(plan: readonly PlannedPush[], repos: readonly ChaosRepo[], hookUrl: string, runId: string, log: (line: string) => void): Promise<Push[]> {
  const start = Date.now();
  const inFlight: Promise<Push>[] = [];
  for (const [n, planned] of plan.entries()) {
    const wait = start + planned.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    const repo = repos[planned.repo]!;
    const sha = repo.push(`${runId}-${n}`);
    const deliveryId = `chaos-${runId}-${n}`;
    const sentAt = Date.now();
    inFlight.push(
      httpRequest("POST", hookUrl, {
        headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": deliveryId },
        body: pushPayload(repo.name, sha, n),
        // GitHub gives a webhook 10 s.
        timeoutMs: 10_000,
      }).then((answer) => {
        const push: Push = { n, repo: repo.name, sha, deliveryId, dockerfiles: repo.dockerfiles, sentAt, answeredAt: Date.now(), answer };
        if (!isAccepted(push)) log(`webhook ${n} (${repo.name}) not accepted: ${answer.status === null ? answer.error : `${answer.status} ${answer.body.slice(0, 200)}`}`);
        return push;
      }),
    );
  }
  return Promise.all(inFlight);
}
