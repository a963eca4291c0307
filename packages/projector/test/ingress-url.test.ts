import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadConfig } from "../src/config.js";

const CWD = "/srv/ci";

test("config - the control routes go to ingress on this host by default, at SLIPWAY_INGRESS_PORT", () => {
  assert.is(loadConfig({}, CWD).ingressUrl, "http://127.0.0.1:6000");
  assert.is(loadConfig({ SLIPWAY_INGRESS_PORT: "6100" }, CWD).ingressUrl, "http://127.0.0.1:6100");
  assert.is(loadConfig({ SLIPWAY_INGRESS_URL: "http://ingress:6000" }, CWD).ingressUrl, "http://ingress:6000");
  assert.is(loadConfig({ SLIPWAY_INGRESS_URL: "https://ci.example.com/" }, CWD).ingressUrl, "https://ci.example.com");
  assert.is(loadConfig({ SLIPWAY_INGRESS_URL: "http://[::1]:6000" }, CWD).ingressUrl, "http://[::1]:6000");
});

test("config - SLIPWAY_INGRESS_URL must be an http(s) origin without credentials, path or query", () => {
  for (const bad of ["127.0.0.1:6000", "not a url", "ftp://host:6000", "http://user:pw@host:6000", "http://host:6000/api", "http://host:6000/?x=1", "http://host:6000/#a"]) {
    assert.throws(() => loadConfig({ SLIPWAY_INGRESS_URL: bad }, CWD), /SLIPWAY_INGRESS_URL/, bad);
  }
  assert.throws(() => loadConfig({ SLIPWAY_INGRESS_PORT: "70000" }, CWD), /SLIPWAY_INGRESS_PORT/);
});

test.run();
