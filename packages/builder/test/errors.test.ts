import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  BuilderErrorCode,
  DockerBuildError,
  DockerUnavailableError,
  NonRetryableError,
  classifyDockerError,
  daemonMessage,
  isInvalidReference,
} from "../src/errors.js";

function httpError(statusCode: number, message: string, json: unknown = null) {
  return Object.assign(new Error(message), { statusCode, json, reason: "server error" });
}
const refused = (message: string, cause: unknown) => new DockerBuildError(message, { cause });

test("errors - daemonMessage takes Docker's text out of dockerode's HTTP error", () => {
  const err = httpError(500, "(HTTP code 500) server error - Cannot locate specified Dockerfile: Dockerfile_x ");
  assert.is(daemonMessage(err), "Cannot locate specified Dockerfile: Dockerfile_x");
});

test("errors - daemonMessage prefers the JSON body's message", () => {
  const err = httpError(400, "(HTTP code 400) bad parameter - whatever", { message: "invalid reference format" });
  assert.is(daemonMessage(err), "invalid reference format");
});

test("errors - an engine that answered with an HTTP error refused the request: not retryable", () => {
  const e = classifyDockerError(httpError(500, "(HTTP code 500) server error - Cannot locate specified Dockerfile: D"), refused);
  assert.instance(e, DockerBuildError);
  assert.instance(e, NonRetryableError);
  assert.is(e.code, BuilderErrorCode.DockerBuild);
  assert.is(e.stage, "build");
  assert.is(e.message, "Cannot locate specified Dockerfile: D");
});

const unreachable: [string, Error][] = [
  ["a missing socket", Object.assign(new Error("connect ENOENT /var/run/docker.sock"), { code: "ENOENT" })],
  ["a refused TCP connection", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:2375"), { code: "ECONNREFUSED" })],
  ["a reset mid-request", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })],
];
for (const [name, err] of unreachable) {
  test(`errors - ${name} means the engine is unavailable: retryable`, () => {
    const e = classifyDockerError(err, refused);
    assert.instance(e, DockerUnavailableError);
    assert.not.instance(e, NonRetryableError);
    assert.is(e.code, BuilderErrorCode.DockerUnavailable);
    assert.is(e.stage, "infrastructure");
    assert.is(e.cause, err);
  });
}

test("errors - an error already classified passes through", () => {
  const original = new DockerBuildError("x");
  assert.is(classifyDockerError(original, refused), original);
});

const references: [string, boolean][] = [
  ["invalid reference format: repository name must be lowercase", true],
  ["invalid reference format", true],
  ["invalid tag format", true],
  ["The command '/bin/sh -c exit 3' returned a non-zero code: 3", false],
  ["Cannot locate specified Dockerfile: Dockerfile", false],
];
for (const [message, expected] of references) {
  test(`errors - isInvalidReference(${JSON.stringify(message)}) is ${expected}`, () => {
    assert.is(isInvalidReference(message), expected);
  });
}

test.run();
