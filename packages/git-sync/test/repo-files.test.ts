import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "@slipway/events";
import { parseUrlTemplate, UnsafeRepoNameError } from "../src/clone-url.js";
import { findDockerfiles } from "../src/dockerfiles.js";

const entry = (mode: string, type: string, name: string) => `${mode} ${type} ${"0".repeat(40)}\t${name}`;

test("dockerfiles - regular root files starting with Dockerfile, no ignore files, no links or dirs", () => {
  const tree = [
    entry("100644", "blob", "Dockerfile"),
    entry("100755", "blob", "Dockerfile_test"),
    entry("100644", "blob", "Dockerfile_test.dockerignore"),
    entry("120000", "blob", "Dockerfile.link"),
    entry("040000", "tree", "Dockerfile.d"),
    entry("100644", "blob", "README.md"),
    entry("100644", "blob", "dockerfile_lower"),
  ].join("\0");
  assert.equal(findDockerfiles(tree), ["Dockerfile", "Dockerfile_test"]);
});

test("clone url - renders names from the template", () => {
  const t = parseUrlTemplate("https://github.com/{full_name}.git");
  assert.is(t.render({ key: "acme/app", name: "app", owner: "acme" }), "https://github.com/acme/app.git");
  const local = parseUrlTemplate("/srv/git/{name}.git");
  assert.is(local.render({ key: "fruty_docker-ci", name: "fruty_docker-ci", owner: null }), "/srv/git/fruty_docker-ci.git");
});

test("clone url - hostile names never reach git", () => {
  const t = parseUrlTemplate("/srv/git/{name}.git");
  for (const name of ["..", "../x", "-uevil", "a/b", "x:y", ".hidden", "a b"]) {
    assert.throws(() => t.render({ key: name, name, owner: null }), (e: unknown) => e instanceof UnsafeRepoNameError, name);
  }
  const byOwner = parseUrlTemplate("https://git.example/{owner}/{name}.git");
  assert.throws(() => byOwner.render({ key: "x", name: "x", owner: null }), /no owner/);
});

test("clone url - templates without placeholders or with ext:: are refused at start", () => {
  assert.throws(() => parseUrlTemplate("https://github.com/fixed.git"), (e: unknown) => e instanceof ConfigError);
  assert.throws(() => parseUrlTemplate("ext::sh -c {name}"), /transport/);
});

test.run();
