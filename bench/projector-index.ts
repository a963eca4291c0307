/**
 * Micro-benchmark of the projector's read side at 100k builds, in one process (diagnostic, by hand;
 * the end-to-end figures are bench/projector.ts).
 *   node --expose-gc --import tsx bench/projector-index.ts [builds] [--cold]
 * Builds the model through `ProjectionState.apply` (evolve + index), then times: GET /builds
 * handlers through `app.inject` (p50/p99), the old filter-copy-sort for comparison, the index
 * rebuild after a snapshot load, and the snapshot load itself.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildApp } from "../packages/projector/src/app.js";
import { ModelIndex } from "../packages/projector/src/model-index.js";
import { ModelStore } from "../packages/projector/src/model-store.js";
import { ProjectionState } from "../packages/projector/src/projection-state.js";
import { listBuilds, toSummary } from "../packages/projector/src/queries.js";
import type { BuildView, ReadonlyModel } from "../packages/projector/src/read-model.js";
import { ev, t } from "../packages/projector/test/fixtures.js";
import { random } from "../packages/projector/test/random.js";

const BUILDS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100_000);
const REPOS = 200;
const next = random(42);

/** `warm`: every list exists from the start and follows each event, as once a projector has served its first queries. */
function project(warm: boolean): ProjectionState {
  const state = ProjectionState.empty("bench");
  if (warm) state.index().warm();
  let seq = 0;
  const apply = (e: Parameters<ProjectionState["apply"]>[0]) => state.apply(e, ++seq);
  for (let i = 0; i < BUILDS; i++) {
    const r = Math.floor(next() * REPOS);
    const repo = { key: `org/repo-${r}`, name: `repo-${r}`, owner: "org" };
    const branch = ["main", "dev", "feature"][Math.floor(next() * 3)] as string;
    const deliveryId = `d-${i}`;
    const buildId = `b${String(i).padStart(15, "0")}`;
    const sha = (i % 4096).toString(16).padStart(40, "0");
    const at = t(i * 3);
    apply(ev("WebhookReceived", { deliveryId, source: "push", repo, ref: `refs/heads/${branch}`, branch, requestedSha: sha, defaultBranch: "main", pusher: "dev" }, `w-${i}`, at, deliveryId));
    apply(ev("BuildQueued", { buildId, deliveryId, repo, sha, branch, dockerfile: "Dockerfile", image: `127.0.0.1:5500/${repo.name}`, tags: [sha], buildNumber: i + 1, contextObject: "c" }, `q-${i}`, at, deliveryId));
    if (i > BUILDS - 50) continue; // the newest stay queued
    apply(ev("BuildStarted", { buildId, builder: "h:1", attempt: 1 }, `s-${i}`, t(i * 3 + 1), deliveryId));
    apply(
      next() < 0.9
        ? ev("ImagePushed", { buildId, image: `127.0.0.1:5500/${repo.name}`, tags: [sha], digest: "sha256:" + "d".repeat(64), attempt: 1 }, `p-${i}`, t(i * 3 + 2), deliveryId)
        : ev("BuildFailed", { buildId, stage: "build", code: "DOCKER_BUILD_FAILED", message: "boom", attempt: 1 }, `f-${i}`, t(i * 3 + 2), deliveryId),
    );
  }
  return state;
}

/** What `GET /builds` did before the index: filter the whole model, copy, sort, cap at 1000. */
function oldListBuilds(model: ReadonlyModel, repo: string | null, status: string | null, limit: number): Omit<BuildView, "events">[] {
  const matching = [...model.builds.values()].filter((b) => (repo === null || b.repo === repo) && (status === null || b.status === status));
  const keyed = matching.map((item) => ({ item, t: Date.parse(item.queuedAt), id: item.id }));
  keyed.sort((a, b) => b.t - a.t || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return keyed.slice(0, limit).map((k) => toSummary(k.item));
}

function percentiles(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(3);
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms (n=${samples.length})`;
}

async function timeAsync(runs: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  for (let i = 0; i < 20; i++) await fn(i);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    await fn(i);
    samples.push(performance.now() - began);
  }
  return samples;
}

const WARM = !process.argv.includes("--cold");
const began = performance.now();
const state = project(WARM);
const projectMs = performance.now() - began;
global.gc?.();
const heap = (process.memoryUsage().heapUsed / 2 ** 20).toFixed(0);
console.log(`projected ${state.model().builds.size} builds, ${state.checkpoint()} events in ${(projectMs / 1000).toFixed(1)} s (${WARM ? "every list kept up to date" : "lists not built"}); heap ${heap} MB`);

const app = buildApp({ readModel: state, logsDir: tmpdir() });
const repoOf = (i: number) => `org%2Frepo-${i % REPOS}`;
const routes: [string, (i: number) => string][] = [
  ["GET /builds", () => "/builds"],
  ["GET /builds?repo=&status=failed", (i) => `/builds?repo=${repoOf(i)}&status=failed`],
  ["GET /builds?repo=&branch=&status=succeeded", (i) => `/builds?repo=${repoOf(i)}&branch=dev&status=succeeded`],
  ["GET /builds?status=queued (50 of 100k)", () => "/builds?status=queued"],
];
for (const [name, url] of routes) {
  const samples = await timeAsync(500, async (i) => {
    const res = await app.inject({ method: "GET", url: url(i) });
    if (res.statusCode !== 200) throw new Error(`${url(i)}: ${res.statusCode} ${res.body}`);
  });
  console.log(`${name}: ${percentiles(samples)}`);
}

// Deep pages: follow cursors from the newest build to the oldest, 1000 per page.
let cursor: string | null = null;
let pages = 0;
const pageSamples: number[] = [];
do {
  const t0 = performance.now();
  const res: { json(): { nextCursor: string | null } } = await app.inject({ method: "GET", url: `/builds?limit=1000${cursor ? `&cursor=${cursor}` : ""}` });
  pageSamples.push(performance.now() - t0);
  cursor = res.json().nextCursor;
  pages++;
} while (cursor !== null);
console.log(`every page of GET /builds?limit=1000 (${pages} pages): ${percentiles(pageSamples)}`);

const direct = await timeAsync(500, async (i) => {
  listBuilds({ model: state.model(), index: state.index() }, { filters: { repo: `org/repo-${i % REPOS}`, status: "failed" }, cursor: null, limit: 100 });
});
console.log(`listBuilds alone (index, no HTTP) repo=&status=failed: ${percentiles(direct)}`);
const old = await timeAsync(30, async (i) => {
  oldListBuilds(state.model(), `org/repo-${i % REPOS}`, "failed", 100);
});
console.log(`before (filter + copy + sort, handler body only) repo=&status=failed: ${percentiles(old)}`);

const rebuilds = await timeAsync(5, async () => {
  ModelIndex.of(state.model());
});
console.log(`index rebuild (ModelIndex.of: the order, fields on first use) at ${state.model().builds.size} builds: ${percentiles(rebuilds)}`);
const warms = await timeAsync(3, async () => {
  ModelIndex.of(state.model()).warm();
});
console.log(`index rebuild with every field built (ModelIndex.of + warm): ${percentiles(warms)}`);

const dir = await mkdtemp(join(tmpdir(), "projector-bench-"));
try {
  const store = new ModelStore(dir);
  await store.load();
  await store.save(state);
  await store.close();
  const t0 = performance.now();
  const reader = new ModelStore(dir);
  const snapshot = await reader.load();
  const t1 = performance.now();
  if (snapshot === null) throw new Error("nothing saved");
  const loaded = ProjectionState.fromSnapshot(snapshot);
  const t2 = performance.now();
  await reader.close();
  console.log(`restart: snapshot load ${(t1 - t0).toFixed(0)} ms, fromSnapshot (maps + index) ${(t2 - t1).toFixed(0)} ms`);
  const fresh = buildApp({ readModel: loaded, logsDir: tmpdir() });
  for (const url of ["/builds", "/builds?status=failed", "/builds?repo=org%2Frepo-1", "/repos", "/deliveries/d-5", "/builds?sha=" + "0".repeat(40), "/builds?status=failed"]) {
    const t3 = performance.now();
    const res = await fresh.inject({ method: "GET", url });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
    console.log(`  first ${url} after the load: ${(performance.now() - t3).toFixed(1)} ms`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
