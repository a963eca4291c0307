/**
 * What the projector's API says, read whole: every build and delivery (walking the cursor pages),
 * and a build with its events. The shapes are the projector's own (its HTTP contract).
 */
import type { BuildView, DeliveryView } from "../../packages/projector/src/read-model.js";
import { getJson } from "./http.js";

export type ViewBuild = Omit<BuildView, "events">;
export type ViewBuildDetail = BuildView;
export type ViewDelivery = DeliveryView;

/** Every record of a list route, newest first, 1000 a page. */
async function walk<T>(projectorUrl: string, route: string, key: "builds" | "deliveries"): Promise<T[]> {
  const records: T[] = [];
  let cursor: string | null = null;
  do {
    const url = `${projectorUrl}/${route}?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page = (await getJson(url)) as Record<string, unknown>;
    const items = page[key];
    if (!Array.isArray(items)) throw new Error(`GET ${url}: no ${key} list in the answer`);
    records.push(...(items as T[]));
    cursor = typeof page.nextCursor === "string" ? page.nextCursor : null;
  } while (cursor !== null);
  return records;
}

export const allBuilds = (projectorUrl: string) => walk<ViewBuild>(projectorUrl, "builds", "builds");

export const allDeliveries = (projectorUrl: string) => walk<ViewDelivery>(projectorUrl, "deliveries", "deliveries");

export async function buildDetail(projectorUrl: string, id: string): Promise<ViewBuildDetail> {
  const build = (await getJson(`${projectorUrl}/builds/${encodeURIComponent(id)}`)) as ViewBuildDetail;
  if (!Array.isArray(build.events)) throw new Error(`GET /builds/${id}: no events in the answer`);
  return build;
}

/** The terminal statuses of the view (BuildStatus in the projector). */
export function isTerminalStatus(status: string): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}

/** Events that are a build's verdict: exactly one per build. */
export const VERDICT_EVENTS: readonly string[] = ["ImagePushed", "BuildFailed", "BuildCancelled"];
