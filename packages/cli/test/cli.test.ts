import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCli } from "./run-cli.js";

/** The real binary's help, usage errors and exit codes: no system needed. */

const COMMANDS = ["watch", "builds", "logs", "trigger", "retry", "cancel", "replay", "status"];

test("cli - slipway --help lists every command, the exit codes and the environment", async () => {
  const run = await runCli(["--help"]);
  assert.is(run.code, 0, run.stderr);
  for (const name of COMMANDS) assert.match(run.stdout, new RegExp(`\\n  ${name}\\b`), name);
  assert.match(run.stdout, /Exit codes:\n  0 .*\n  1 .*[\s\S]*\n  2 [\s\S]*SLIPWAY_API_TOKEN[\s\S]*\n  130 /);
  for (const variable of ["SLIPWAY_PROJECTOR_URL", "SLIPWAY_NATS_URL", "SLIPWAY_INGRESS_URL", "SLIPWAY_API_TOKEN", "SLIPWAY_USER", "NO_COLOR"]) assert.match(run.stdout, new RegExp(variable));
});

test("cli - every command has --help with an example and the global options", async () => {
  for (const name of COMMANDS) {
    const run = await runCli([name, "--help"]);
    assert.is(run.code, 0, `${name}: ${run.stderr}`);
    assert.match(run.stdout, new RegExp(`^Usage: slipway ${name}`), name);
    assert.match(run.stdout, /\nExamples?:\n  slipway /, `${name} has an example`);
    assert.match(run.stdout, /Global Options:[\s\S]*--json/, `${name} shows --json`);
  }
  assert.is((await runCli(["help", "logs"])).code, 0);
});

test("cli - --version prints the package's version", async () => {
  const run = await runCli(["--version"]);
  assert.is(run.code, 0);
  assert.match(run.stdout, /^\d+\.\d+\.\d+\n$/);
});

test("cli - usage errors exit 2 and say what was wrong", async () => {
  const cases: [string[], RegExp][] = [
    [[], /Usage: slipway/],
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["builds", "--stauts", "failed"], /unknown option '--stauts'/],
    [["builds", "--status", "broken"], /Allowed choices are queued, running, succeeded, failed, cancelled/],
    [["builds", "--limit", "5", "--all"], /cannot be used with option '--all'/],
    [["builds", "--limit", "1001"], /--limit must be a whole number from 1 to 1000/],
    [["logs"], /missing required argument 'id'/],
    [["trigger", "acme/shop"], /missing required argument 'ref'/],
    [["trigger", "acme/shop", "main", "--sha", "abc"], /40 hex characters/],
    [["retry", "a", "b"], /too many arguments/],
    [["watch", "ci..x"], /no NATS subject filter/],
    [["replay", "--to", "5"], /--to needs --out/],
    [["replay", "--serve", "5001"], /--serve needs --out/],
    [["replay", "--out", "/tmp/x", "--to", "yesterday"], /--to: it must be a stream sequence/],
    [["replay", "--out", "/tmp/x", "--serve", "70000"], /--serve must be a whole number from 1 to 65535/],
    [["--url", "localhost:5000", "builds"], /--url: "localhost:5000" is not an http\(s\) URL|is not a URL/],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(args);
    assert.is(run.code, 2, `slipway ${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, message, `slipway ${args.join(" ")}`);
    assert.is(run.stdout, "", `slipway ${args.join(" ")} prints nothing on stdout`);
  }
});

test("cli - nothing to talk to is exit 2, naming what to set", async () => {
  const projector = await runCli(["builds", "--url", "http://127.0.0.1:59998"]);
  assert.is(projector.code, 2);
  assert.match(projector.stderr, /no projector answers at http:\/\/127\.0\.0\.1:59998 \(ECONNREFUSED\).*SLIPWAY_PROJECTOR_URL or pass --url/);
  const viaEnv = await runCli(["logs", "b1"], { SLIPWAY_PROJECTOR_URL: "http://127.0.0.1:59998" });
  assert.is(viaEnv.code, 2);
  const nats = await runCli(["watch"], { SLIPWAY_NATS_URL: "nats://127.0.0.1:59997" });
  assert.is(nats.code, 2);
  assert.match(nats.stderr, /cannot reach NATS at nats:\/\/127\.0\.0\.1:59997.*SLIPWAY_NATS_URL or pass --nats/);
  assert.is((await runCli(["status", "--nats", "nats://127.0.0.1:59997"])).code, 2);
  const blocked = await runCli(["builds", "--url", "http://127.0.0.1:6000"]);
  assert.is(blocked.code, 2);
  assert.match(blocked.stderr, /fetch refuses that port/);
  const token = await runCli(["builds"], { SLIPWAY_API_TOKEN_FILE: "/nonexistent/token" });
  assert.is(token.code, 2);
  assert.match(token.stderr, /SLIPWAY_API_TOKEN_FILE=\/nonexistent\/token: cannot read/);
});

test.run();
