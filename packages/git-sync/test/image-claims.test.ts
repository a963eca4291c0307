import { test } from "uvu";
import * as assert from "uvu/assert";
import { claimKey, IMAGE_NAME_OWNERS_BUCKET, takenReason } from "../src/image-claims.js";

/** What @nats-io/kv accepts as a key (its `validKeyRe`, plus no leading or trailing dot). */
const KV_KEY = /^[-/=.\w]+$/;

test("image claims - keys are valid KV keys, one per image, reversible", () => {
  const images = ["127.0.0.1:5500/fruty_docker-ci", "127.0.0.1:5500/acme/fruty_docker-ci_test", "registry.test:5000/ns/a__b/app.dev", "x"];
  const keys = images.map(claimKey);
  for (const key of keys) {
    assert.match(key, KV_KEY);
    assert.not.ok(key.endsWith("."), key);
  }
  assert.is(new Set(keys).size, images.length);
  for (const [i, key] of keys.entries()) assert.is(Buffer.from(key.slice(2), "base64url").toString("utf8"), images[i]);
});

test("image claims - the refusal names the owning repo, the setting and how to release the name", () => {
  const image = "127.0.0.1:5500/fruty_docker-ci";
  const reason = takenReason("Dockerfile", image, "fruty/fruty_docker-ci", "someone/fruty_docker-ci");
  assert.match(reason, "belongs to fruty/fruty_docker-ci");
  assert.match(reason, "not someone/fruty_docker-ci");
  assert.match(reason, "SLIPWAY_IMAGE_OWNER_PREFIX=true");
  assert.match(reason, `nats kv del ${IMAGE_NAME_OWNERS_BUCKET} ${claimKey(image)}`);
});

test.run();
