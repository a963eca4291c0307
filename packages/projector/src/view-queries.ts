import type Database from "better-sqlite3";
import { encodeCursor } from "./cursor.js";
import type { ListQuery } from "./list-query.js";
import type { BuildSummary, BuildView, DeliveryView } from "./read-model.js";
import type { RecordKey } from "./record-key.js";
import { buildDoc } from "./view-db.js";

/** What `GET /builds` filters on; the names are the query parameters, the values their columns. */
export const BuildFilter = { repo: "repo", status: "status", branch: "branch", sha: "sha", delivery: "delivery", image: "image" } as const;
export type BuildFilter = (typeof BuildFilter)[keyof typeof BuildFilter];

/** What `GET /deliveries` filters on. */
export const DeliveryFilter = { repo: "repo", status: "status" } as const;
export type DeliveryFilter = (typeof DeliveryFilter)[keyof typeof DeliveryFilter];

/** `GET /builds`: one page, newest first; `nextCursor` null on the last page. */
export type BuildPage = { builds: BuildSummary[]; nextCursor: string | null };
export type DeliveryPage = { deliveries: DeliveryView[]; nextCursor: string | null };

export function toSummary(b: BuildView): BuildSummary {
  const { events: _events, ...summary } = b;
  return summary;
}

type PageRow = { doc: string; t: number; id: string };

/**
 * Newest-first pages of one table, narrowed by equality filters: one statement per set of
 * filters (prepared once), each an index seek to the cursor and a walk of at most `limit + 1`
 * rows. The extra row only says whether a next page exists.
 */
class PageReader<F extends string> {
  private readonly statements = new Map<string, Database.Statement<unknown[], PageRow>>();

  constructor(
    private readonly db: Database.Database,
    private readonly table: "builds" | "deliveries",
    /** The JSON a list shows of a row. */
    private readonly json: "summary" | "doc",
    private readonly columns: Readonly<Record<F, string>>,
  ) {}

  page(q: ListQuery<F>): { docs: string[]; next: RecordKey | null } {
    const names = (Object.keys(q.filters) as F[]).filter((f) => q.filters[f] !== undefined).sort();
    const key = `${names.join(",")}|${q.cursor === null ? "" : "c"}`;
    let statement = this.statements.get(key);
    if (statement === undefined) {
      const where = names.map((f) => `${this.columns[f]} = ?`);
      if (q.cursor !== null) where.push("(t, id) < (?, ?)");
      const sql = `SELECT ${this.json} AS doc, t, id FROM ${this.table}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY t DESC, id DESC LIMIT ?`;
      statement = this.db.prepare<unknown[], PageRow>(sql);
      this.statements.set(key, statement);
    }
    const params: unknown[] = names.map((f) => q.filters[f]);
    if (q.cursor !== null) params.push(q.cursor.t, q.cursor.id);
    params.push(q.limit + 1);
    const rows = statement.all(...params);
    const more = rows.length > q.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { docs: rows.map((r) => r.doc), next: more && last ? { t: last.t, id: last.id } : null };
  }
}

/** The last build of one Dockerfile: what a dashboard line shows. */
export type LastBuild = Pick<BuildView, "id" | "status" | "sha" | "branch" | "buildNumber" | "image" | "queuedAt" | "startedAt" | "finishedAt" | "durationMs">;

/** `GET /repos`: per repo, per Dockerfile, its newest build (by `queuedAt`). */
export type RepoView = { repo: string; repoName: string; dockerfiles: { dockerfile: string; lastBuild: LastBuild }[] };

function lastBuildOf(b: BuildSummary): LastBuild {
  const { id, status, sha, branch, buildNumber, image, queuedAt, startedAt, finishedAt, durationMs } = b;
  return { id, status, sha, branch, buildNumber, image, queuedAt, startedAt, finishedAt, durationMs };
}

const nextCursor = (next: RecordKey | null): string | null => (next === null ? null : encodeCursor(next));

/** The read queries of the API, over the view's tables (view-db.ts). */
export class ViewQueries {
  private readonly builds: PageReader<BuildFilter>;
  private readonly deliveries: PageReader<DeliveryFilter>;
  private readonly s;

  constructor(db: Database.Database) {
    this.builds = new PageReader(db, "builds", "summary", BuildFilter);
    this.deliveries = new PageReader(db, "deliveries", "doc", DeliveryFilter);
    this.s = {
      firstGroup: db.prepare<[], { repo: string; dockerfile: string }>("SELECT repo, dockerfile FROM builds WHERE repo IS NOT NULL AND dockerfile IS NOT NULL ORDER BY repo, dockerfile LIMIT 1"),
      nextGroup: db.prepare<[string, string], { repo: string; dockerfile: string }>("SELECT repo, dockerfile FROM builds WHERE (repo, dockerfile) > (?, ?) AND dockerfile IS NOT NULL ORDER BY repo, dockerfile LIMIT 1"),
      firstGroupOf: db.prepare<[string], { repo: string; dockerfile: string }>("SELECT repo, dockerfile FROM builds WHERE repo = ? AND dockerfile IS NOT NULL ORDER BY dockerfile LIMIT 1"),
      head: db.prepare<[string, string], { summary: string }>("SELECT summary FROM builds WHERE repo = ? AND dockerfile = ? ORDER BY t DESC, id DESC LIMIT 1"),
      byDigest: db.prepare<[string, string], { summary: string; events: string }>("SELECT summary, events FROM builds WHERE digest = ? AND image = ? ORDER BY t DESC, id DESC"),
      count: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM builds"),
    };
  }

  listBuilds(q: ListQuery<BuildFilter>): BuildPage {
    return JSON.parse(this.listBuildsJson(q)) as BuildPage;
  }

  /** `listBuilds` as the API sends it: the rows' JSON joined, nothing parsed or serialised again. */
  listBuildsJson(q: ListQuery<BuildFilter>): string {
    const page = this.builds.page(q);
    return `{"builds":[${page.docs.join(",")}],"nextCursor":${JSON.stringify(nextCursor(page.next))}}`;
  }

  listDeliveries(q: ListQuery<DeliveryFilter>): DeliveryPage {
    return JSON.parse(this.listDeliveriesJson(q)) as DeliveryPage;
  }

  listDeliveriesJson(q: ListQuery<DeliveryFilter>): string {
    const page = this.deliveries.page(q);
    return `{"deliveries":[${page.docs.join(",")}],"nextCursor":${JSON.stringify(nextCursor(page.next))}}`;
  }

  /**
   * Repos by key, their Dockerfiles by name, each with its newest build: a skip from one
   * (repo, Dockerfile) group to the next along their index, and one seek for each group's head.
   * It costs the number of groups, not of builds. `repo` narrows it to one repo.
   */
  listRepos(q: { repo: string | null }): { repos: RepoView[] } {
    const repos: RepoView[] = [];
    let group = q.repo === null ? this.s.firstGroup.get() : this.s.firstGroupOf.get(q.repo);
    while (group !== undefined && (q.repo === null || group.repo === q.repo)) {
      const head = this.s.head.get(group.repo, group.dockerfile);
      if (head !== undefined) {
        const build = JSON.parse(head.summary) as BuildSummary;
        let repo = repos[repos.length - 1];
        if (repo?.repo !== build.repo) {
          repo = { repo: build.repo, repoName: build.repoName, dockerfiles: [] };
          repos.push(repo);
        }
        repo.dockerfiles.push({ dockerfile: build.dockerfile, lastBuild: lastBuildOf(build) });
      }
      group = this.s.nextGroup.get(group.repo, group.dockerfile);
    }
    return { repos };
  }

  /** Builds that pushed `digest` as `image`, newest first (usually one). */
  buildsByDigest(image: string, digest: string): BuildView[] {
    return this.s.byDigest.all(digest, image).map((r) => JSON.parse(buildDoc(r.summary, r.events)) as BuildView);
  }

  countBuilds(): number {
    return this.s.count.get()?.n ?? 0;
  }
}
