/**
 * The read API under the projector bench's history: `GET /builds` with and without filters, and
 * the filters the API may not have yet (`branch`, `asOf`), which are reported as unsupported
 * rather than failing the bench: a 400 names a parameter the API refuses; an answer holding
 * builds the filter should have excluded means the parameter was ignored.
 */
import { quantile } from "./report.js";
import type { HttpClient, Series } from "./http-get.js";

/** A build in `GET /builds`, as far as the bench reads it. */
type Listed = { id: string; repo: string; status: string; branch: string | null; queuedAt: string };

export type QueryCase = {
  label: string;
  path: string;
  /** Whether the p99 goal covers it: the filtered lists (repo, status, branch), when supported. */
  goal: boolean;
  /** What every listed build must satisfy when the API applies the filter. */
  accepts: (b: Listed) => boolean;
  /** Builds of the history that match (from the plan), for the table; null = not counted. */
  expected: number | null;
};

export type QueryResult = {
  label: string;
  path: string;
  goal: boolean;
  /** "yes"; "no (400: ...)" when refused; "ignored" when answered without applying it. */
  supported: string;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers slower than `slowMs`. */
  slow: number;
  /** Builds in the first answer, and its size. */
  listed: number;
  bytes: number;
  expected: number | null;
  statuses: Record<string, number>;
};

function listedOf(body: string): Listed[] | null {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "builds" in parsed && Array.isArray(parsed.builds)) return parsed.builds as Listed[];
  } catch {
    // Not JSON: reported by the caller as an unexpected answer.
  }
  return null;
}

/** `{ error: { message } }`'s message, or the body's start. */
function errorMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "error" in parsed && typeof parsed.error === "object" && parsed.error !== null && "message" in parsed.error) return String(parsed.error.message);
  } catch {
    // Not JSON: the body as it is.
  }
  return body.slice(0, 120);
}

/**
 * One probe request first: a refused or ignored parameter is not timed (its timing would be
 * another query's). `time` runs the timed series (`timeGetsApart`: in a process of its own).
 */
export async function runQuery(client: HttpClient, c: QueryCase, o: { slowMs: number; time: (path: string) => Promise<Series> }): Promise<QueryResult> {
  const probe = await client.get(c.path);
  const base = { label: c.label, path: c.path, goal: c.goal, expected: c.expected };
  const none = { requests: 0, p50Ms: NaN, p99Ms: NaN, maxMs: NaN, slow: 0, statuses: { [probe.status]: 1 } };
  if (probe.status === 400) {
    const message = errorMessage(probe.body);
    return { ...base, ...none, supported: `no (400: ${message})`, listed: 0, bytes: probe.body.length };
  }
  if (probe.status !== 200) throw new Error(`GET ${c.path}: ${probe.status} ${probe.body.slice(0, 300)}`);
  const listed = listedOf(probe.body);
  if (listed === null) throw new Error(`GET ${c.path}: no builds list in ${probe.body.slice(0, 300)}`);
  if (!listed.every(c.accepts)) return { ...base, ...none, supported: "ignored", listed: listed.length, bytes: probe.body.length };
  const series = await o.time(c.path);
  if (Object.keys(series.statuses).some((s) => s !== "200")) throw new Error(`GET ${c.path}: answers ${JSON.stringify(series.statuses)}`);
  return {
    ...base,
    supported: "yes",
    requests: series.latenciesMs.length,
    p50Ms: quantile(series.latenciesMs, 0.5),
    p99Ms: quantile(series.latenciesMs, 0.99),
    maxMs: Math.max(...series.latenciesMs),
    slow: series.latenciesMs.filter((ms) => ms > o.slowMs).length,
    listed: listed.length,
    bytes: probe.body.length,
    statuses: series.statuses,
  };
}

/** The bench's list requests: none, repo, repo+status, status, branch, and `asOf` one hour back. */
export function queryCases(f: { repo: string; branch: string; asOf: string; expected: { repo: number; repoFailed: number; failed: number; branch: number } }): QueryCase[] {
  const q = encodeURIComponent;
  return [
    { label: "no filter", path: "/builds", goal: false, accepts: () => true, expected: null },
    { label: "repo", path: `/builds?repo=${q(f.repo)}`, goal: true, accepts: (b) => b.repo === f.repo, expected: f.expected.repo },
    { label: "repo + status=failed", path: `/builds?repo=${q(f.repo)}&status=failed`, goal: true, accepts: (b) => b.repo === f.repo && b.status === "failed", expected: f.expected.repoFailed },
    { label: "status=failed", path: "/builds?status=failed", goal: true, accepts: (b) => b.status === "failed", expected: f.expected.failed },
    { label: "branch", path: `/builds?branch=${q(f.branch)}`, goal: true, accepts: (b) => b.branch === f.branch, expected: f.expected.branch },
    // As of an hour ago, no listed build can have been queued later.
    { label: "asOf 1 h back", path: `/builds?asOf=${q(f.asOf)}`, goal: false, accepts: (b) => Date.parse(b.queuedAt) <= Date.parse(f.asOf), expected: null },
  ];
}
