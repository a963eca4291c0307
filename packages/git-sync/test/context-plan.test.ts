import { test } from "uvu";
import * as assert from "uvu/assert";
import { planContexts, rootContextName } from "../src/context-plan.js";

const SHA = "a".repeat(40);
const plan = (dockerfiles: string[], ignores: Record<string, string>, submodules = false) => {
  const rootFiles = new Set([...dockerfiles, ...Object.keys(ignores), "app.txt", "secret.txt"]);
  return planContexts("acme/app", SHA, dockerfiles, rootFiles, new Map(Object.entries(ignores)), submodules);
};
const summary = (plans: ReturnType<typeof plan>) => plans.map((p) => ({ object: p.object, dockerfiles: [...p.dockerfiles], ignoreFile: p.ignoreFile }));

test("context plan - Dockerfiles under the root .dockerignore (or none) share <repoKey>@<sha>", () => {
  assert.equal(summary(plan(["Dockerfile", "Dockerfile.dev"], {})), [{ object: `acme/app@${SHA}`, dockerfiles: ["Dockerfile", "Dockerfile.dev"], ignoreFile: null }]);
  const plans = plan(["Dockerfile", "Dockerfile.dev"], { ".dockerignore": "secret.txt\n" });
  assert.equal(summary(plans), [{ object: `acme/app@${SHA}`, dockerfiles: ["Dockerfile", "Dockerfile.dev"], ignoreFile: ".dockerignore" }]);
  assert.not.ok(plans[0]!.keeps("secret.txt"));
  assert.ok(plans[0]!.keeps("app.txt"));
  // Not excluded, so sent (and copied) as docker build does.
  assert.ok(plans[0]!.keeps(".dockerignore"));
});

test("context plan - <Dockerfile>.dockerignore gives that Dockerfile a context of its own, without the root rules", () => {
  const plans = plan(["Dockerfile", "Dockerfile_test"], { ".dockerignore": "secret.txt\n", "Dockerfile_test.dockerignore": "app.txt\n" });
  assert.equal(summary(plans), [
    { object: `acme/app@${SHA}`, dockerfiles: ["Dockerfile"], ignoreFile: ".dockerignore" },
    { object: `acme/app@${SHA}:Dockerfile_test`, dockerfiles: ["Dockerfile_test"], ignoreFile: "Dockerfile_test.dockerignore" },
  ]);
  const own = plans[1]!;
  assert.ok(own.keeps("secret.txt"), "the root file does not apply");
  assert.not.ok(own.keeps("app.txt"));
});

test("context plan - an excluded Dockerfile is still sent, in a context of its own; so is .dockerignore for the classic builder", () => {
  const plans = plan(["Dockerfile", "Dockerfile.dev"], { ".dockerignore": "Dockerfile\n.dockerignore\nsecret.txt\n" });
  assert.equal(summary(plans), [
    { object: `acme/app@${SHA}`, dockerfiles: ["Dockerfile.dev"], ignoreFile: ".dockerignore" },
    { object: `acme/app@${SHA}:Dockerfile`, dockerfiles: ["Dockerfile"], ignoreFile: ".dockerignore" },
  ]);
  const [shared, excluded] = plans;
  assert.ok(excluded!.keeps("Dockerfile"));
  assert.ok(excluded!.keeps(".dockerignore"), "the classic builder reads it to drop the Dockerfile");
  assert.not.ok(excluded!.keeps("secret.txt"));
  // Dockerfile.dev's context has neither: nothing needs them there.
  assert.not.ok(shared!.keeps("Dockerfile"));
  assert.not.ok(shared!.keeps(".dockerignore"));
  assert.ok(shared!.keeps("Dockerfile.dev"));
});

test("context plan - a Dockerfile excluded by its own ignore file keeps only itself", () => {
  const [p] = plan(["Dockerfile_x"], { "Dockerfile_x.dockerignore": "*\n" });
  assert.is(p!.object, `acme/app@${SHA}:Dockerfile_x`);
  assert.ok(p!.keeps("Dockerfile_x"));
  assert.not.ok(p!.keeps("Dockerfile_x.dockerignore"));
  assert.not.ok(p!.keeps("app.txt"));
});

test("context plan - a commit without Dockerfiles still has its root context; submodules get their own names", () => {
  assert.equal(summary(plan([], { ".dockerignore": "x\n" })), [{ object: `acme/app@${SHA}`, dockerfiles: [], ignoreFile: ".dockerignore" }]);
  assert.is(rootContextName("acme/app", SHA, true), `acme/app@${SHA}+submodules`);
  assert.equal(plan(["Dockerfile", "Dockerfile_t"], { "Dockerfile_t.dockerignore": "" }, true).map((p) => p.object), [`acme/app@${SHA}+submodules`, `acme/app@${SHA}+submodules:Dockerfile_t`]);
});

test.run();
