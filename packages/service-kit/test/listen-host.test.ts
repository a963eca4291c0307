import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "@slipway/events";
import { guardedListenHost, isLoopback } from "../src/listen-host.js";

const options = (secured: boolean) => ({
  hostVar: "X_HOST",
  secured,
  secretVar: "X_SECRET",
  insecureVar: "X_INSECURE",
  risk: "anyone could do things",
});

test("listen host - loopback addresses", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1"]) assert.ok(isLoopback(host), host);
  for (const host of ["0.0.0.0", "::", "10.0.0.5", "128.0.0.1", "example.com"]) assert.not.ok(isLoopback(host), host);
});

test("listen host - every address with the credential, loopback without it", () => {
  assert.equal(guardedListenHost({}, options(true)), { host: "0.0.0.0", insecure: false });
  assert.equal(guardedListenHost({}, options(false)), { host: "127.0.0.1", insecure: false });
  assert.equal(guardedListenHost({ X_HOST: "::1" }, options(false)), { host: "::1", insecure: false });
  assert.equal(guardedListenHost({ X_HOST: "10.0.0.5" }, options(true)), { host: "10.0.0.5", insecure: false });
});

test("listen host - another address without the credential needs the insecure setting", () => {
  assert.throws(
    () => guardedListenHost({ X_HOST: "0.0.0.0" }, options(false)),
    (e: unknown) => e instanceof ConfigError && /X_HOST=0\.0\.0\.0 without X_SECRET: anyone could do things\. .*X_INSECURE=true/.test(e.message),
  );
  assert.throws(() => guardedListenHost({ X_HOST: "0.0.0.0", X_INSECURE: "maybe" }, options(false)), /X_INSECURE/);
  assert.equal(guardedListenHost({ X_HOST: "0.0.0.0", X_INSECURE: "true" }, options(false)), { host: "0.0.0.0", insecure: true });
});

test.run();
