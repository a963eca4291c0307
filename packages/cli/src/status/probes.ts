import type { Readiness } from "@slipway/projector";
import { getJson } from "../node-http.js";

/** A service's state as the status shows it; `ok` decides the exit code. */
export type ServiceState = {
  name: string;
  /** `ready`, `up`, `busy`, `idle`, `lagging`, `down`, `unavailable`, `off`, `unknown`. */
  state: string;
  ok: boolean;
  /** Where it was asked (a URL, a consumer). */
  where: string;
  detail: string;
};

/** The projector: `/healthz` (the process), then `/readyz` (how far behind its durables are). */
export async function probeProjector(url: string, token: string | null): Promise<ServiceState & { readiness: Readiness | null }> {
  const base = { name: "projector", where: url, readiness: null };
  const health = await getJson(`${url}/healthz`);
  if (health.status !== 200) {
    const why = health.status === null ? health.error : `/healthz answered ${health.status}`;
    return { ...base, state: "down", ok: false, detail: why };
  }
  const checkpoint = (health.body as { checkpoint?: unknown }).checkpoint;
  const at = typeof checkpoint === "number" ? `checkpoint ${checkpoint}` : "up";
  const ready = await getJson(`${url}/readyz`, token ? { authorization: `Bearer ${token}` } : {});
  if (ready.status === 401) {
    return { ...base, state: "up", ok: true, detail: `${at}; its lag needs the API token: set SLIPWAY_API_TOKEN` };
  }
  if (ready.status === null || (ready.status !== 200 && ready.status !== 503)) {
    return { ...base, state: "unknown", ok: false, detail: `${at}; /readyz: ${ready.status === null ? ready.error : `answered ${ready.status}`}` };
  }
  const readiness = ready.body as Readiness;
  if (readiness.status === "unavailable") return { ...base, readiness, state: "unavailable", ok: false, detail: `${at}; ${readiness.message}` };
  const behind = `events ${readiness.lag.events.behind} behind, logs ${readiness.lag.logs.behind} behind (at most ${readiness.maxLag})`;
  return { ...base, readiness, state: readiness.status, ok: readiness.status === "ready", detail: `${at}; ${behind}` };
}

/** Ingress: `/healthz` and `/readyz` (NATS and the events stream reachable), with node:http. */
export async function probeIngress(url: string): Promise<ServiceState> {
  const base = { name: "ingress", where: url };
  const health = await getJson(`${url}/healthz`);
  if (health.status !== 200) return { ...base, state: "down", ok: false, detail: health.status === null ? health.error : `/healthz answered ${health.status}` };
  const ready = await getJson(`${url}/readyz`);
  if (ready.status === 200) return { ...base, state: "ready", ok: true, detail: "takes hooks and control requests" };
  const message = ready.status === null ? ready.error : ((ready.body as { message?: string }).message ?? `/readyz answered ${ready.status}`);
  return { ...base, state: "unavailable", ok: false, detail: message };
}
