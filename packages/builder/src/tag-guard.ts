import { setTimeout as sleep } from "node:timers/promises";
import type { KV } from "@nats-io/kv";
import { stableId } from "@slipway/events";

/** KV bucket: which build number each moving tag (`:latest`, `:<branch>`) of each image belongs to. */
export const TAG_OWNERS_BUCKET = "image-tag-owners";

/** A moving tag's owner: the build number that may hold it, and whether its push is still running. */
type Owner = { buildNumber: number; pushing: boolean; until: number };

export type TagClaim = "push" | "skip";

export type TagGuardOptions = {
  /** How long a claim in progress holds off newer builds before it counts as dead (its builder died mid-push). */
  leaseMs: number;
  pollMs: number;
  now: () => number;
};

export function defaultTagGuardOptions(): TagGuardOptions {
  return { leaseMs: 120_000, pollMs: 100, now: Date.now };
}

function parse(value: string): Owner | null {
  try {
    const v: unknown = JSON.parse(value);
    if (typeof v !== "object" || v === null) return null;
    const { buildNumber, pushing, until } = v as Record<string, unknown>;
    return typeof buildNumber === "number" && typeof pushing === "boolean" && typeof until === "number" ? { buildNumber, pushing, until } : null;
  } catch {
    return null;
  }
}

/**
 * Keeps moving tags moving forward only. Builds of one image can finish in any order (push A, push
 * B, A finishes last); pushing `:latest` on finish would leave it on A. Instead, each moving tag has
 * an owner in a KV bucket, changed by compare-and-set: a build pushes the tag only if its build
 * number is at least the owner's, and waits while an older build's push of that tag is in flight,
 * so the newer push always lands last. Immutable tags (`:<sha>`, `:<build number>`) need no guard.
 */
export class TagGuard {
  private readonly options: TagGuardOptions;
  constructor(
    private readonly kv: KV,
    options: Partial<TagGuardOptions> = {},
  ) {
    this.options = { ...defaultTagGuardOptions(), ...options };
  }

  private key(image: string, tag: string): string {
    return `t.${stableId(image, tag)}`;
  }

  /** Decides whether build `buildNumber` may push `image:tag`; "push" holds the tag until `release`. */
  async claim(image: string, tag: string, buildNumber: number, signal?: AbortSignal): Promise<TagClaim> {
    const key = this.key(image, tag);
    for (;;) {
      signal?.throwIfAborted();
      const entry = await this.kv.get(key);
      const owner = entry && entry.operation === "PUT" ? parse(entry.string()) : null;
      if (owner && owner.buildNumber > buildNumber) return "skip";
      const olderPushing = owner && owner.buildNumber < buildNumber && owner.pushing && owner.until > this.options.now();
      if (olderPushing) {
        await sleep(this.options.pollMs, undefined, signal ? { signal } : undefined);
        continue;
      }
      const claim = JSON.stringify({ buildNumber, pushing: true, until: this.options.now() + this.options.leaseMs } satisfies Owner);
      try {
        if (entry) await this.kv.update(key, claim, entry.revision);
        else await this.kv.create(key, claim);
        return "push";
      } catch {
        // Another build changed the owner between our read and write: look again.
        continue;
      }
    }
  }

  /** Ends this build's push of the tag; a newer owner that took over meanwhile is left alone. */
  async release(image: string, tag: string, buildNumber: number): Promise<void> {
    const key = this.key(image, tag);
    for (let tries = 0; tries < 20; tries++) {
      const entry = await this.kv.get(key);
      const owner = entry && entry.operation === "PUT" ? parse(entry.string()) : null;
      if (!entry || !owner || owner.buildNumber !== buildNumber || !owner.pushing) return;
      try {
        await this.kv.update(key, JSON.stringify({ buildNumber, pushing: false, until: 0 } satisfies Owner), entry.revision);
        return;
      } catch {
        continue;
      }
    }
  }
}
