import { createRequire } from "node:module";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createLogger } from "@slipway/service-kit";
import { buildApp } from "../src/app.js";
import { recordingStore } from "./hook-store.js";
import { loadConfig } from "../src/config.js";

// GitHub's own push payloads, as published with its webhook docs.
type Example = { name: string; examples: Record<string, unknown>[] };
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples/api.github.com/index.json") as Example[];
const pushes = examples.find((e) => e.name === "push")?.examples ?? [];

test("github payloads - the fixture set has pushes, deletions included", () => {
  assert.ok(pushes.length >= 2);
  assert.ok(pushes.some((p) => p.deleted === true));
});

test("github payloads - every real push is accepted or, when it deletes, ignored", async () => {
  const { store, received: accepted } = recordingStore();
  const app = buildApp({ config: loadConfig({}), logger: createLogger("ingress-test", "silent"), store });
  for (const [i, payload] of pushes.entries()) {
    const res = await app.inject({
      method: "POST",
      url: "/hook",
      payload: JSON.stringify(payload),
      headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": `delivery-${i}` },
    });
    assert.is(res.statusCode, payload.deleted ? 202 : 200, `example ${i}: ${res.body}`);
  }
  const kept = pushes.filter((p) => !p.deleted);
  assert.is(accepted.length, kept.length);
  for (const [i, event] of accepted.entries()) {
    const p = kept[i] as { ref: string; after: string; repository: { full_name: string; name: string; default_branch: string } };
    assert.is(event.repo.key, p.repository.full_name);
    assert.is(event.repo.name, p.repository.name);
    assert.is(event.ref, p.ref);
    assert.is(event.requestedSha, p.after);
    assert.is(event.defaultBranch, p.repository.default_branch);
    assert.is(event.branch, p.ref.startsWith("refs/heads/") ? p.ref.slice(11) : null);
    assert.is(event.source, "push");
  }
});

test.run();
