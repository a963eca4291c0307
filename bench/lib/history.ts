/**
 * A generated CI history for the projector bench: webhook deliveries over many repos and branches,
 * each with its RepoUpdated and, per Dockerfile, a build (BuildQueued, BuildStarted, log chunks,
 * ImageBuilt, ImagePushed or BuildFailed), with event times spread over the last days. Seeded: the
 * same options give the same history. The plan (counts, ids, outcomes) is made first, so the
 * message total is exact; the events themselves are made one delivery at a time, as published.
 */
import { buildIdFor, createEvent, eventIds, FailureStage, type Event, type EventData, type EventLinks, type EventType, type RepoRef } from "@slipway/events";
import { random } from "../../packages/projector/test/random.js";

export type HistoryOptions = {
  /** Messages in both streams together (CI_EVENTS + CI_LOGS). */
  messages: number;
  builds: number;
  repos: number;
  /** Event times spread over this many days before `now`. */
  days: number;
  /** Share of builds that end in BuildFailed. */
  failureRate: number;
  seed: number;
  /** Epoch ms the history ends at (the bench's start). */
  now: number;
};

export const Outcome = { pushed: "pushed", buildFailed: "build-failed", pushFailed: "push-failed" } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export type PlannedBuild = { buildId: string; dockerfile: string; outcome: Outcome; chunks: number };
export type PlannedDelivery = { deliveryId: string; repo: number; branch: string; buildNumber: number; at: number; builds: PlannedBuild[] };
export type PlannedRepo = { ref: RepoRef; dockerfiles: string[]; weight: number; features: string[] };

export type HistoryPlan = {
  options: HistoryOptions;
  repos: PlannedRepo[];
  deliveries: PlannedDelivery[];
  /** Messages per stream, and builds by outcome. */
  counts: { events: number; logs: number; builds: number; deliveries: number; failed: number };
};

/** A seeded generator (mulberry32): uniform in [0, 1). */
export type Rng = () => number;

/** The projector tests' seeded generator (mulberry32), so a history replays the same way. */
export function seeded(seed: number): Rng {
  return random(seed);
}

/** Whole number in lo..hi (both included). */
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
function hex(r: Rng, chars: number): string {
  let s = "";
  while (s.length < chars) s += Math.floor(r() * 4294967296).toString(16).padStart(8, "0");
  return s.slice(0, chars);
}
const uuid = (r: Rng) => {
  const h = hex(r, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
};

const DOMAINS = ["billing", "auth", "search", "payments", "gateway", "inventory", "catalog", "checkout", "notify", "reports", "web", "orders", "worker", "scheduler", "ledger", "profile", "media", "ingest", "export", "admin"];
const KINDS = ["service", "api", "worker", "web", "jobs", "ui", "proxy", "sync", "core", "cli"];
const OWNERS = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "cyberdyne", "soylent", "vandelay"];
const TOPICS = ["login", "cache", "retry", "metrics", "upgrade", "i18n", "dark-mode", "pagination", "timeouts", "refactor", "cleanup", "rate-limit"];
const SECOND_DOCKERFILES = ["Dockerfile_worker", "Dockerfile_test", "Dockerfile_migrations"];
/** Where the branch of a push is: the default branch, develop, a release or a feature branch. */
const MAIN_SHARE = 0.6;
const DEVELOP_SHARE = 0.1;
const RELEASE_SHARE = 0.05;
export const DEFAULT_BRANCH = "main";
const REGISTRY = "registry.example.com:5000";

/** Names of repo `i`: 200 distinct domain-kind pairs, then numbered ones. */
function repoRef(i: number): RepoRef {
  const base = `${DOMAINS[i % DOMAINS.length]}-${KINDS[Math.floor(i / DOMAINS.length) % KINDS.length]}`;
  const name = i < DOMAINS.length * KINDS.length ? base : `${base}-${Math.floor(i / (DOMAINS.length * KINDS.length)) + 1}`;
  const owner = OWNERS[i % OWNERS.length]!;
  return { key: `${owner}/${name}`, name, owner };
}

/** Messages of one build in CI_EVENTS: queued, started, (built,) verdict. */
const buildEvents = (o: Outcome) => (o === Outcome.buildFailed ? 3 : 4);

/**
 * The history's skeleton: repos (busier ones first, weights ~ 1/rank^0.8), deliveries in time order
 * with their builds and outcomes, and log chunks per build so that the two streams hold exactly
 * `messages` (when `messages` leaves room for at least the domain events).
 */
export function planHistory(options: HistoryOptions): HistoryPlan {
  const r = seeded(options.seed);
  const repos: PlannedRepo[] = Array.from({ length: options.repos }, (_, i) => ({
    ref: repoRef(i),
    dockerfiles: r() < 0.55 ? ["Dockerfile"] : ["Dockerfile", pick(r, SECOND_DOCKERFILES)],
    weight: 1 / Math.pow(i + 1, 0.8),
    features: Array.from({ length: int(r, 3, 12) }, (_, k) => `feature/${pick(r, TOPICS)}-${k + 1}`),
  }));
  const cumulative: number[] = [];
  repos.reduce((sum, repo) => (cumulative.push(sum + repo.weight), sum + repo.weight), 0);
  const total = cumulative[cumulative.length - 1]!;
  const pickRepo = () => {
    const x = r() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const buildNumbers = new Array<number>(repos.length).fill(0);
  const deliveries: PlannedDelivery[] = [];
  let builds = 0;
  let events = 0;
  let failed = 0;
  while (builds < options.builds) {
    const repo = pickRepo();
    const deliveryId = uuid(r);
    const x = r();
    const branch = x < MAIN_SHARE ? DEFAULT_BRANCH : x < MAIN_SHARE + DEVELOP_SHARE ? "develop" : x < MAIN_SHARE + DEVELOP_SHARE + RELEASE_SHARE ? `release/1.${int(r, 0, 9)}` : pick(r, repos[repo]!.features);
    const dockerfiles = repos[repo]!.dockerfiles.slice(0, options.builds - builds);
    const planned: PlannedBuild[] = dockerfiles.map((dockerfile) => {
      const y = r();
      const outcome = y < options.failureRate * 0.9 ? Outcome.buildFailed : y < options.failureRate ? Outcome.pushFailed : Outcome.pushed;
      if (outcome !== Outcome.pushed) failed++;
      events += buildEvents(outcome);
      return { buildId: buildIdFor(deliveryId, dockerfile), dockerfile, outcome, chunks: 0 };
    });
    builds += planned.length;
    events += 2;
    deliveries.push({ deliveryId, repo, branch, buildNumber: ++buildNumbers[repo]!, at: 0, builds: planned });
  }

  // Times: evenly spread over the days, with jitter; the last builds end a few minutes before `now`.
  const span = options.days * 24 * 3600 * 1000 - 15 * 60 * 1000;
  const start = options.now - options.days * 24 * 3600 * 1000;
  const step = span / deliveries.length;
  deliveries.forEach((d, k) => (d.at = Math.round(start + (k + r() * 0.8) * step)));

  // Log chunks: what is left of `messages`, spread over the builds (each gets lo..hi, then the
  // total is corrected one chunk at a time on random builds).
  const logs = Math.max(0, options.messages - events);
  const all = deliveries.flatMap((d) => d.builds);
  const avg = all.length === 0 ? 0 : logs / all.length;
  const lo = avg >= 1 ? 1 : 0;
  const hi = Math.max(lo, Math.round(2 * avg - lo));
  let sum = 0;
  for (const b of all) sum += b.chunks = int(r, lo, hi);
  // lo * builds <= logs, so while the sum is too high some build is above lo.
  while (sum !== logs) {
    const b = all[Math.floor(r() * all.length)]!;
    if (sum < logs) {
      b.chunks++;
      sum++;
    } else if (b.chunks > lo) {
      b.chunks--;
      sum--;
    }
  }
  return { options, repos, deliveries, counts: { events, logs, builds, deliveries: deliveries.length, failed } };
}

/** The image of a Dockerfile, as git-sync names it (repo + what follows `Dockerfile`, lowercased). */
const imageOf = (repo: RepoRef, dockerfile: string) => `${REGISTRY}/${repo.owner}/${(repo.name + dockerfile.slice("Dockerfile".length)).toLowerCase()}`;
/** git-sync's tags: sha, build number, branch (sanitised), `latest` on the default branch. */
function tagsOf(sha: string, buildNumber: number, branch: string): string[] {
  const tags = [sha, String(buildNumber), branch.replace(/[^A-Za-z0-9_.-]+/g, "-")];
  if (branch === DEFAULT_BRANCH) tags.push("latest");
  return tags;
}

const STEPS = [
  "FROM node:20-alpine AS build",
  "WORKDIR /app",
  "COPY package.json package-lock.json ./",
  "RUN npm ci --no-audit --no-fund",
  "COPY . .",
  "RUN npm run build",
  "RUN npm test -- --reporter dot",
  "FROM node:20-alpine",
  "COPY --from=build /app/dist /app/dist",
  'CMD ["node", "/app/dist/main.js"]',
];
const CHATTER = [
  (r: Rng) => `added ${int(r, 200, 1400)} packages in ${(r() * 30 + 2).toFixed(1)}s`,
  (r: Rng) => `npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory.`,
  (r: Rng) => `> tsc -b && node scripts/copy-assets.mjs`,
  (r: Rng) => `  ${int(r, 20, 400)} passing (${int(r, 1, 40)}s)`,
  (r: Rng) => `#${int(r, 5, 14)} sha256:${hex(r, 64)} ${(r() * 40).toFixed(2)}MB / ${(r() * 40 + 40).toFixed(2)}MB ${(r() * 3).toFixed(1)}s`,
  (r: Rng) => `webpack ${int(r, 4, 5)}.${int(r, 0, 95)}.0 compiled successfully in ${int(r, 900, 12000)} ms`,
];

/** A few lines of Docker build output, the way a builder batches them into one chunk. */
function logText(r: Rng, step: number): string {
  const lines = [`Step ${(step % STEPS.length) + 1}/${STEPS.length} : ${STEPS[step % STEPS.length]}`, ` ---> Running in ${hex(r, 12)}`];
  for (let i = int(r, 1, 4); i > 0; i--) lines.push(pick(r, CHATTER)(r));
  lines.push(` ---> ${hex(r, 12)}`);
  return lines.join("\n") + "\n";
}

/**
 * The events of the plan, delivery by delivery, each made and checked with `createEvent` with its
 * own time: WebhookReceived, RepoUpdated, then per build BuildQueued, BuildStarted, its log
 * chunks, ImageBuilt and ImagePushed (or BuildFailed after the build, or after ImageBuilt for a
 * push failure). Ids are the producers' own (`eventIds`), so every message is distinct.
 */
export function* historyEvents(plan: HistoryPlan): Generator<Event> {
  const r = seeded(plan.options.seed ^ 0x5eed);
  for (const d of plan.deliveries) {
    const repo = plan.repos[d.repo]!.ref;
    const sha = hex(r, 40);
    const ref = `refs/heads/${d.branch}`;
    const make = <T extends EventType>(type: T, data: EventData<T>, links: Omit<EventLinks, "correlationId">, at: number): Event<T> =>
      createEvent(type, data, { ...links, correlationId: d.deliveryId }, new Date(at));

    const received = make(
      "WebhookReceived",
      { deliveryId: d.deliveryId, source: "push", repo, ref, branch: d.branch, requestedSha: sha, pusher: `dev-${int(r, 1, 60)}`, defaultBranch: DEFAULT_BRANCH },
      { id: eventIds.webhookReceived(d.deliveryId), causationId: null },
      d.at,
    );
    yield received;
    const syncedAt = d.at + int(r, 800, 4000);
    const contextObject = `${repo.key}@${sha}`;
    const contextBytes = int(r, 20_000, 8_000_000);
    const dockerfiles = d.builds.map((b) => b.dockerfile);
    const updated = make(
      "RepoUpdated",
      {
        deliveryId: d.deliveryId,
        repo,
        ref,
        branch: d.branch,
        sha,
        shaFromPayload: true,
        defaultBranch: DEFAULT_BRANCH,
        contextObject,
        contextBytes,
        dockerfiles,
        buildNumber: d.buildNumber,
        contexts: [{ object: contextObject, bytes: contextBytes, dockerfiles }],
      },
      { id: eventIds.repoUpdated(d.deliveryId), causationId: received.id },
      syncedAt,
    );
    yield updated;

    for (const [j, b] of d.builds.entries()) {
      const image = imageOf(repo, b.dockerfile);
      const tags = tagsOf(sha, d.buildNumber, d.branch);
      const queuedAt = syncedAt + 5 + 3 * j;
      const queued = make(
        "BuildQueued",
        { buildId: b.buildId, deliveryId: d.deliveryId, repo, sha, branch: d.branch, dockerfile: b.dockerfile, image, tags, buildNumber: d.buildNumber, contextObject, source: `https://github.com/${repo.key}.git` },
        { id: eventIds.buildQueued(b.buildId), causationId: updated.id },
        queuedAt,
      );
      yield queued;
      const links = (id: string) => ({ id, causationId: queued.id });
      const startedAt = queuedAt + Math.round(200 + Math.pow(r(), 3) * 30_000);
      yield make("BuildStarted", { buildId: b.buildId, builder: `builder-${int(r, 1, 4)}:${int(r, 100, 9999)}`, attempt: 1 }, links(eventIds.buildStarted(b.buildId, 1)), startedAt);
      const duration = int(r, 15_000, 240_000) * (b.outcome === Outcome.buildFailed ? 0.3 + 0.7 * r() : 1);
      let offset = 0;
      for (let seq = 0; seq < b.chunks; seq++) {
        let text = logText(r, seq);
        if (b.outcome === Outcome.buildFailed && seq === b.chunks - 1) text += "npm ERR! Test failed.  See above for more details.\n";
        yield make("BuildLogChunk", { buildId: b.buildId, attempt: 1, seq, offset, text }, links(eventIds.logChunk(b.buildId, 1, seq)), startedAt + Math.round((duration * (seq + 1)) / (b.chunks + 1)));
        offset += Buffer.byteLength(text);
      }
      const builtAt = startedAt + Math.round(duration);
      if (b.outcome === Outcome.buildFailed) {
        const message = "The command '/bin/sh -c npm test -- --reporter dot' returned a non-zero code: 1";
        yield make("BuildFailed", { buildId: b.buildId, stage: FailureStage.build, code: "SLIPWAY_DOCKER_BUILD_FAILED", message, attempt: 1 }, links(eventIds.verdict(b.buildId)), builtAt);
        continue;
      }
      yield make("ImageBuilt", { buildId: b.buildId, imageId: `sha256:${hex(r, 64)}`, attempt: 1 }, links(eventIds.imageBuilt(b.buildId, 1)), builtAt);
      const doneAt = builtAt + int(r, 1000, 15_000);
      if (b.outcome === Outcome.pushFailed) {
        const message = `push ${image}:${d.buildNumber}: received unexpected HTTP status: 502 Bad Gateway`;
        yield make("BuildFailed", { buildId: b.buildId, stage: FailureStage.push, code: "SLIPWAY_DOCKER_PUSH_FAILED", message, attempt: 1 }, links(eventIds.verdict(b.buildId)), doneAt);
      } else {
        yield make("ImagePushed", { buildId: b.buildId, image, tags, digest: `sha256:${hex(r, 64)}`, attempt: 1 }, links(eventIds.verdict(b.buildId)), doneAt);
      }
    }
  }
}

/** Builds per repo and per branch of the plan (to choose filters and know what they should match). */
export function planTallies(plan: HistoryPlan): { byRepo: Map<string, number>; byBranch: Map<string, number>; failedByRepo: Map<string, number> } {
  const byRepo = new Map<string, number>();
  const byBranch = new Map<string, number>();
  const failedByRepo = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  for (const d of plan.deliveries) {
    const key = plan.repos[d.repo]!.ref.key;
    add(byRepo, key, d.builds.length);
    add(byBranch, d.branch, d.builds.length);
    add(failedByRepo, key, d.builds.filter((b) => b.outcome !== Outcome.pushed).length);
  }
  return { byRepo, byBranch, failedByRepo };
}
