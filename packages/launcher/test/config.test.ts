import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "@slipway/events";
import { launcherConfig, serviceProcesses } from "../src/cli/config.js";
import { restartDelayMs } from "../src/cli/backoff.js";
import { summaryLines } from "../src/cli/summary.js";
import { registryConfig } from "../src/infra/registry.js";
import { splitHostPort } from "../src/net.js";
import { parseLdd } from "../src/binaries.js";

test("launcher config - defaults are the seed's ports", () => {
  const c = launcherConfig({});
  assert.is(c.natsUrl, "nats://127.0.0.1:4222");
  assert.equal(c.nats, { host: "127.0.0.1", port: 4222 });
  assert.is(c.registry, "127.0.0.1:5500");
  assert.is(c.ingressPort, 6000);
  assert.is(c.projectorPort, 5000);
  assert.is(c.serviceEnv.SLIPWAY_REGISTRY, "127.0.0.1:5500");
});

test("launcher config - a registry namespace is kept for images, the server is host:port", () => {
  const c = launcherConfig({ SLIPWAY_REGISTRY: "127.0.0.1:5501/ci" });
  assert.is(c.serviceEnv.SLIPWAY_REGISTRY, "127.0.0.1:5501/ci");
  assert.is(c.registryAddress, "127.0.0.1:5501");
});

test("launcher config - passes the environment through to the services", () => {
  const c = launcherConfig({ SLIPWAY_GIT_URL: "/srv/git/{name}.git", SLIPWAY_NATS_URL: "nats://localhost:4333", PATH: "/bin" });
  assert.equal(c.nats, { host: "localhost", port: 4333 });
  assert.is(c.serviceEnv.SLIPWAY_GIT_URL, "/srv/git/{name}.git");
  assert.is(c.serviceEnv.SLIPWAY_NATS_URL, "nats://localhost:4333");
  assert.is(c.serviceEnv.PATH, "/bin");
});

const invalid: [string, Record<string, string>, RegExp][] = [
  ["a registry without a port", { SLIPWAY_REGISTRY: "localhost" }, /SLIPWAY_REGISTRY/],
  ["a NATS url that is not a url", { SLIPWAY_NATS_URL: "not a url" }, /SLIPWAY_NATS_URL/],
  ["a port out of range", { SLIPWAY_INGRESS_PORT: "70000" }, /SLIPWAY_INGRESS_PORT/],
];
for (const [what, env, names] of invalid) {
  test(`launcher config - refuses ${what}, naming the variable`, () => {
    try {
      launcherConfig(env);
      assert.unreachable("should throw");
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.match((err as Error).message, names);
    }
  });
}

test("launcher - restart backoff doubles from 1 s and stops at 30 s", () => {
  assert.equal([1, 2, 3, 4, 5, 6, 7, 50].map(restartDelayMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test("launcher - the summary shows where each part listens and the seed's curl", () => {
  const text = summaryLines(launcherConfig({}), { docker: false, nats: true, registry: true }, { root: "/r", serviceLogs: "/r/.slipway/logs", pids: { ingress: 12 } }).join("\n");
  assert.match(text, "http://127.0.0.1:6000/hook");
  assert.match(text, "http://127.0.0.1:5000/builds");
  assert.match(text, /nats:\/\/127\.0\.0\.1:4222 +started by this launcher/);
  assert.match(text, /Docker +engine +reused/);
  assert.match(text, '"repository": {"name": "fruty_docker-ci"}');
  assert.match(text, "pid 12");
});

test("launcher - with an API token, the summary's projector curl sends it, by name only", () => {
  const where = { root: "/r", serviceLogs: "/r/.slipway/logs", pids: {} };
  const infra = { docker: false, nats: false, registry: false };
  const withToken = summaryLines(launcherConfig({ SLIPWAY_API_TOKEN: "s3cret-token" }), infra, where).join("\n");
  assert.match(withToken, 'curl -H "Authorization: Bearer $SLIPWAY_API_TOKEN" 127.0.0.1:5000/builds');
  assert.not.match(withToken, "s3cret-token");
  assert.not.match(summaryLines(launcherConfig({}), infra, where).join("\n"), "Authorization");
});

test("launcher - github-status runs only with a GitHub token, and the summary says so", () => {
  const names = (env: Record<string, string>) => serviceProcesses(launcherConfig(env)).map((p) => p.name);
  assert.not.ok(names({}).includes("github-status"));
  assert.ok(names({ SLIPWAY_GITHUB_TOKEN: "t" }).includes("github-status"));
  assert.ok(names({ SLIPWAY_GITHUB_TOKEN_FILE: "/run/secrets/github" }).includes("github-status"));
  const where = { root: "/r", serviceLogs: "/r/.slipway/logs", pids: { "github-status": 34 } };
  const infra = { docker: false, nats: false, registry: false };
  assert.match(summaryLines(launcherConfig({}), infra, where).join("\n"), /github-status +off +set SLIPWAY_GITHUB_TOKEN/);
  assert.match(summaryLines(launcherConfig({ SLIPWAY_GITHUB_TOKEN: "t" }), infra, where).join("\n"), /github-status +on: posts commit statuses +pid 34/);
});

test("registry config - listens on the address and stores under the data dir", () => {
  const yml = registryConfig("127.0.0.1:5500", "/tmp/reg data");
  assert.match(yml, 'addr: "127.0.0.1:5500"');
  assert.match(yml, 'rootdirectory: "/tmp/reg data"');
});

const hostPorts: [string, { host: string; port: number } | null][] = [
  ["127.0.0.1:5500", { host: "127.0.0.1", port: 5500 }],
  ["registry.local:443", { host: "registry.local", port: 443 }],
  ["[::1]:5000", { host: "[::1]", port: 5000 }],
  ["127.0.0.1", null],
  ["host:0", null],
  ["host:99999", null],
];
for (const [input, expected] of hostPorts) {
  test(`net - splitHostPort(${input})`, () => {
    if (expected) assert.equal(splitHostPort(input), expected);
    else assert.throws(() => splitHostPort(input));
  });
}

test("images - parseLdd lists the libraries to copy, without the vdso", () => {
  const out = [
    "\tlinux-vdso.so.1 (0x00007ffd5c7e5000)",
    "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f3212804000)",
    "\t/lib64/ld-linux-x86-64.so.2 (0x00007f32129f9000)",
  ].join("\n");
  assert.equal(parseLdd(out), ["/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"]);
  assert.equal(parseLdd("\tnot a dynamic executable"), []);
});

test.run();
