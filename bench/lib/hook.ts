/**
 * Webhooks to ingress with node:http: ingress's default port 6000 is one the Fetch standard
 * blocks, so nothing here uses the global fetch for it.
 */
import { request } from "node:http";
import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";

/** GitHub's push payload, as much of it as slipway reads, for a push on the default branch. */
export function pushPayload(name: string, sha: string, branch = "master"): object {
  return {
    ref: `refs/heads/${branch}`,
    after: sha,
    head_commit: { id: sha },
    repository: { name, full_name: `bench/${name}`, owner: { login: "bench" }, default_branch: "master" },
  };
}

/**
 * GitHub's own payload of a push to a branch (the first such example in `@octokit/webhooks-examples`,
 * as GitHub's docs publish it: about 7.5 KB, `refs/heads/master`, the repository's default
 * branch), as the compact JSON GitHub sends.
 */
export function githubPushExample(): string {
  const definitions: WebhookDefinition[] = createRequire(import.meta.url)("@octokit/webhooks-examples");
  const pushes = definitions.find((d) => d.name === "push")?.examples ?? [];
  const example = pushes.find((p) => "ref" in p && p.ref.startsWith("refs/heads/") && "deleted" in p && !p.deleted);
  if (!example) throw new Error("@octokit/webhooks-examples has no example of a push to a branch");
  return JSON.stringify(example);
}

/** POSTs `body` as JSON; resolves with the status and body, rejects on a connection error. */
export function postJson(url: string, body: object, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return postBody(url, Buffer.from(JSON.stringify(body), "utf8"), headers);
}

/** POSTs these exact bytes as `application/json` (a signature is over the bytes sent). */
export function postBody(url: string, payload: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: { "Content-Type": "application/json", "Content-Length": String(payload.length), "X-GitHub-Event": "push", ...headers },
        timeout: 30_000,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.once("timeout", () => req.destroy(new Error(`POST ${url}: timed out`)));
    req.once("error", reject);
    req.end(payload);
  });
}

/** Sends a push webhook and throws unless ingress accepted it (200; a 202 means "ignored"). */
export async function sendPush(hookUrl: string, name: string, sha: string): Promise<void> {
  const res = await postJson(hookUrl, pushPayload(name, sha));
  if (res.status !== 200) throw new Error(`webhook for ${name}@${sha}: HTTP ${res.status} ${res.body}`);
}
