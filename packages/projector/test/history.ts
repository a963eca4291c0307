import type { Event } from "@slipway/events";
import type { BuildView } from "../src/read-model.js";
import { ev, t } from "./fixtures.js";
import { random } from "./random.js";

/** Test histories for the indexes: many builds and deliveries, in a seeded, replayable mess. */

export const REPOS = [
  { key: "acme/shop", name: "shop", owner: "acme" },
  { key: "acme/shop-x", name: "shop-x", owner: "acme" },
  { key: "beta/api", name: "api", owner: "beta" },
  { key: "gamma", name: "gamma", owner: null },
];
export const BRANCHES = ["main", "dev", "feature/x"];
export const DOCKERFILES = ["Dockerfile", "Dockerfile_test"];

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

export const buildIdOf = (i: number) => `b${String(i).padStart(15, "0")}`;
export const deliveryIdOf = (i: number) => `delivery-${String(i).padStart(5, "0")}`;

/** A BuildQueued of build `i` at `seconds`, for delivery `delivery`. */
export function queuedOf(i: number, seconds: number, delivery: number, repo = REPOS[0]!, branch = "main", dockerfile = "Dockerfile"): Event {
  const buildId = buildIdOf(i);
  const sha = (delivery % 16).toString(16).repeat(40);
  return ev(
    "BuildQueued",
    { buildId, deliveryId: deliveryIdOf(delivery), repo, sha, branch, dockerfile, image: `127.0.0.1:5500/${repo.name}${dockerfile === "Dockerfile" ? "" : "_test"}`, tags: [sha], buildNumber: delivery + 1, contextObject: "ctx" },
    `q-${buildId}`,
    t(seconds),
    deliveryIdOf(delivery),
  );
}

/**
 * `deliveries` pushes over a few repos and branches, 1-2 builds each, then their builds moving
 * through every status. Times mostly rise, with ties (same millisecond) and late arrivals; some
 * builds are seen by a BuildFailed before their BuildQueued (their `queuedAt` then moves).
 */
export function messyHistory(seed: number, deliveries: number): Event[] {
  const next = random(seed);
  const events: Event[] = [];
  const live: string[] = [];
  let buildNo = 0;
  for (let d = 0; d < deliveries; d++) {
    const repo = pick(next, REPOS);
    const branch = pick(next, BRANCHES);
    const deliveryId = deliveryIdOf(d);
    const at = d + (next() < 0.1 ? -5 * next() : 0);
    const push = { deliveryId, source: "push", repo, ref: `refs/heads/${branch}`, branch, requestedSha: "f".repeat(40), pusher: "dev" } as const;
    if (next() < 0.1) {
      events.push(ev("WebhookIgnored", { ...push, reason: "skip-ci", message: "skip" }, `wi-${deliveryId}`, t(at), deliveryId));
      continue;
    }
    events.push(ev("WebhookReceived", { ...push, defaultBranch: "main" }, `w-${deliveryId}`, t(at), deliveryId));
    if (next() < 0.08) {
      events.push(ev("RepoSyncFailed", { deliveryId, repo, ref: push.ref, code: "GIT_FETCH_FAILED", message: "gone" }, `rf-${deliveryId}`, t(at + 0.1), deliveryId));
      continue;
    }
    const dockerfiles = DOCKERFILES.slice(0, 1 + Math.floor(next() * 2));
    const sha = (d % 16).toString(16).repeat(40);
    const sync = { deliveryId, repo, ref: push.ref, branch, sha, shaFromPayload: false, defaultBranch: "main", contextObject: "ctx", contextBytes: 1, dockerfiles, buildNumber: d + 1 };
    events.push(ev("RepoUpdated", sync, `r-${deliveryId}`, t(at + 0.2), deliveryId));
    for (const dockerfile of dockerfiles) {
      const i = buildNo++;
      // Same-millisecond ties between a delivery's builds, and now and then a late BuildQueued.
      const queuedAt = next() < 0.05 ? at - 20 * next() : at + 0.5;
      if (next() < 0.03) {
        events.push(ev("BuildFailed", { buildId: buildIdOf(i), stage: "infrastructure", code: "X", message: "early", attempt: 0 }, `fe-${i}`, t(queuedAt - 0.2), deliveryId));
      }
      events.push(queuedOf(i, queuedAt, d, repo, branch, dockerfile));
      live.push(buildIdOf(i));
    }
    // Move a few earlier builds along.
    for (let k = 0; k < 2 && live.length > 0; k++) {
      const idx = Math.floor(next() * live.length);
      const buildId = live[idx] as string;
      const roll = next();
      const time = t(d + 0.7);
      if (roll < 0.35) events.push(ev("BuildStarted", { buildId, builder: "h:1", attempt: 1 }, `s-${buildId}`, time));
      else if (roll < 0.45) events.push(ev("BuildHandedBack", { buildId, attempt: 1, builder: "h:1", reason: "stop" }, `h-${buildId}`, time));
      else {
        live.splice(idx, 1);
        if (roll < 0.8) events.push(ev("ImagePushed", { buildId, image: "127.0.0.1:5500/x", tags: [], digest: "sha256:" + "d".repeat(64), attempt: 1 }, `p-${buildId}`, time));
        else if (roll < 0.93) events.push(ev("BuildFailed", { buildId, stage: "build", code: "DOCKER_BUILD_FAILED", message: "boom", attempt: 1 }, `f-${buildId}`, time));
        else events.push(ev("BuildCancelled", { buildId, reason: "operator" }, `c-${buildId}`, time));
      }
    }
  }
  return events;
}

/** Filter name -> the field it reads, for brute-force expectations. */
const FIELD = { repo: "repo", status: "status", branch: "branch", sha: "sha", delivery: "deliveryId", image: "image" } as const;

/** What an index must answer, the slow way: filter everything, sort newest first. */
export function expectedIds(builds: Iterable<BuildView>, filters: Partial<Record<keyof typeof FIELD, string>>): string[] {
  const matches = [...builds].filter((b) => Object.entries(filters).every(([name, value]) => b[FIELD[name as keyof typeof FIELD]] === value));
  matches.sort((a, b) => Date.parse(b.queuedAt) - Date.parse(a.queuedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return matches.map((b) => b.id);
}
