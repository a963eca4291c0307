import type Docker from "dockerode";
import type { BuildQueued } from "@slipway/events";
import type { PushRetry, RegistryCredentials } from "./config.js";
import { pushImage, tagImage } from "./docker-steps.js";
import { withPushRetry } from "./push-retry.js";
import type { TagGuard } from "./tag-guard.js";

export type PushDeps = {
  docker: Docker;
  registry: RegistryCredentials | null;
  pushRetry: PushRetry;
  tagGuard: TagGuard;
};

export type PushOutcome = {
  digest: string;
  /** Tags now in the registry for this build. */
  pushed: string[];
  /** Moving tags left alone because a newer build owns them. */
  skipped: string[];
};

/** Tags that name one commit or one build: they never move, so no guard is needed. */
export function isImmutableTag(q: Pick<BuildQueued, "sha" | "buildNumber">, tag: string): boolean {
  return tag === q.sha || tag === String(q.buildNumber);
}

/**
 * Tags the built image and pushes every tag. The first push uploads the layers; the others are
 * then only manifests and go concurrently. Moving tags (`:latest`, `:<branch>`) go through the tag
 * guard, so a build that finishes after a newer one never moves them backwards. Transient registry
 * errors are retried with backoff.
 */
export async function pushTags(deps: PushDeps, q: BuildQueued, imageId: string, write: (text: string) => void, signal: AbortSignal): Promise<PushOutcome> {
  const [first, ...rest] = [...q.tags].sort((a, b) => Number(isImmutableTag(q, b)) - Number(isImmutableTag(q, a)));
  if (first === undefined) return { digest: "", pushed: [], skipped: [] };
  for (const tag of q.tags) await tagImage(deps.docker, imageId, q.image, tag);

  const push = (tag: string) =>
    withPushRetry(
      () => pushImage(deps.docker, q.image, tag, deps.registry, write, signal),
      deps.pushRetry,
      (n, delayMs, err) => write(`slipway: push of ${q.image}:${tag} failed (${err.message.trim()}); retry ${n}/${deps.pushRetry.retries} in ${(delayMs / 1000).toFixed(1)} s\n`),
      signal,
    );
  const guarded = async (tag: string): Promise<string | null> => {
    if (isImmutableTag(q, tag)) return push(tag);
    if ((await deps.tagGuard.claim(q.image, tag, q.buildNumber, signal)) === "skip") {
      write(`slipway: :${tag} not moved: a newer build of ${q.image} already holds it\n`);
      return null;
    }
    try {
      return await push(tag);
    } finally {
      await deps.tagGuard.release(q.image, tag, q.buildNumber);
    }
  };

  const digest = await guarded(first);
  const others = await Promise.all(rest.map(async (tag) => ({ tag, digest: await guarded(tag) })));
  const results = [{ tag: first, digest }, ...others];
  return {
    // Every tag names the same image, so the registry stores one manifest: any digest is it.
    digest: results.find((r) => r.digest !== null)?.digest ?? "",
    pushed: results.filter((r) => r.digest !== null).map((r) => r.tag),
    skipped: results.filter((r) => r.digest === null).map((r) => r.tag),
  };
}
