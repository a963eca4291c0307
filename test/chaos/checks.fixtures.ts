/** Made-up pushes and view records for the checks' own tests. */
import type { Push } from "./load.js";
import type { ViewBuildDetail, ViewDelivery } from "./view.js";

const T0 = Date.parse("2026-11-26T10:00:00Z");

export function push(n: number, dockerfiles: Push["dockerfiles"], status: number | null = 200): Push {
  return {
    n,
    repo: "chaos-web",
    sha: `${n}`.padStart(40, "a"),
    deliveryId: `d${n}`,
    dockerfiles,
    sentAt: T0,
    answeredAt: T0 + 10,
    answer: status === null ? { status: null, error: "connect ECONNREFUSED" } : { status, body: "" },
  };
}

export function delivery(p: Push, status: ViewDelivery["status"] = "synced"): ViewDelivery {
  return {
    deliveryId: p.deliveryId,
    status,
    repo: `chaos/${p.repo}`,
    repoName: p.repo,
    ref: "refs/heads/master",
    branch: "master",
    requestedSha: p.sha,
    sha: p.sha,
    pusher: "chaos",
    buildNumber: p.n,
    dockerfiles: p.dockerfiles.map((d) => d.name),
    error: null,
    ignored: null,
    receivedAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    events: [],
  };
}

/** A build of `dockerfile` for `p`, with the events its status implies (one verdict). */
export function build(p: Push, dockerfile: string, status: ViewBuildDetail["status"], id = `${p.deliveryId}-${dockerfile}`): ViewBuildDetail {
  const verdict = status === "succeeded" ? "ImagePushed" : status === "failed" ? "BuildFailed" : status === "cancelled" ? "BuildCancelled" : null;
  const types = ["BuildQueued", "BuildStarted", ...(verdict ? [verdict] : [])];
  return {
    id,
    status,
    repo: `chaos/${p.repo}`,
    repoName: p.repo,
    dockerfile,
    image: `127.0.0.1:5500/${p.repo}`,
    tags: [p.sha],
    digest: status === "succeeded" ? `sha256:${id.padStart(64, "0").slice(-64)}` : null,
    imageId: null,
    sha: p.sha,
    branch: "master",
    buildNumber: p.n,
    deliveryId: p.deliveryId,
    error: status === "failed" ? { stage: "build", code: "DOCKER_BUILD_FAILED", message: "exit code: 3" } : null,
    queuedAt: new Date(T0 + 100).toISOString(),
    startedAt: new Date(T0 + 200).toISOString(),
    finishedAt: verdict ? new Date(T0 + 1010).toISOString() : null,
    durationMs: verdict ? 810 : null,
    attempts: 1,
    events: types.map((type, i) => ({ seq: i + 1, type, id: `${id}-${type}`, time: new Date(T0).toISOString() })),
  };
}
