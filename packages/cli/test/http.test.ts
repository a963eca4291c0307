import { test } from "uvu";
import * as assert from "uvu/assert";
import { ExitCode } from "../src/errors.js";
import { apiProblem, refusal } from "../src/http.js";
import { subjectProblem } from "../src/nats.js";

test("http - errors of both services read the same: the projector's and ingress's shapes", () => {
  assert.equal(apiProblem({ error: { code: "BUILD_NOT_FOUND", message: "no build x" } }, 404), { code: "BUILD_NOT_FOUND", message: "no build x" });
  assert.equal(apiProblem({ status: "error", data: "", message: "build b already failed", code: "BUILD_FINISHED" }, 409), { code: "BUILD_FINISHED", message: "build b already failed" });
  assert.equal(apiProblem({ statusCode: 502, error: "Bad Gateway", message: "upstream down" }, 502), { code: null, message: "upstream down" });
  assert.equal(apiProblem("<html>", 500), { code: null, message: "HTTP 500" });
});

test("http - a 400 is about the arguments (2), a missing route an older projector (2), the rest a refusal (1)", () => {
  const code = (status: number, body: unknown) => refusal("http://p", "GET", "/builds?x=1", status, body).exitCode;
  assert.is(code(400, { error: { code: "BAD_REQUEST", message: "status must be one of ..." } }), ExitCode.usage);
  assert.is(code(404, { error: { code: "NOT_FOUND", message: "no route" } }), ExitCode.usage);
  assert.is(code(404, { error: { code: "BUILD_NOT_FOUND", message: "no build" } }), ExitCode.failed);
  assert.is(code(409, { status: "error", code: "BUILD_RUNNING", message: "still running" }), ExitCode.failed);
  assert.is(code(503, { status: "error", code: "API_DISABLED", message: "off" }), ExitCode.failed);
  assert.is(refusal("http://p", "GET", "/builds?x=1", 404, { error: { code: "NOT_FOUND", message: "" } }).message, "the projector at http://p has no route GET /builds: is it older than this command line?");
  assert.is(refusal("http://p", "POST", "/x", 409, { status: "error", code: "BUILD_RUNNING", message: "still running" }).message, "still running (409 BUILD_RUNNING)");
});

test("nats - subject filters: whole-token wildcards, > last, no empty tokens", () => {
  for (const ok of ["ci.>", "ci.build.>", "ci.log.*", "ci.build.*.failed", ">"]) assert.is(subjectProblem(ok), null, ok);
  for (const bad of ["", "ci..x", "ci.", ".ci", "ci.>.x", "ci.b*", "ci.x>", "ci build"]) assert.ok(subjectProblem(bad), bad);
});

test.run();
