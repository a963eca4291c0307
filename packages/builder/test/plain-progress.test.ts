import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeTrace, encodeTrace, isTrace, type StatusResponse } from "../src/buildkit-trace.js";
import { PlainProgress } from "../src/plain-progress.js";

const ts = (seconds: number, nanos = 0) => ({ seconds, nanos });
const status = (s: Partial<StatusResponse>): StatusResponse => ({ vertexes: [], statuses: [], logs: [], warnings: [], ...s });
const vertex = (digest: string, name: string, extra: Partial<StatusResponse["vertexes"][number]> = {}) => ({ digest, name, cached: false, started: null, completed: null, error: "", ...extra });
const log = (vertex: string, text: string) => ({ vertex, stream: 1, msg: Buffer.from(text) });

test("buildkit trace - a StatusResponse survives the engine's base64 protobuf encoding", () => {
  const aux = encodeTrace({ vertexes: [vertex("sha256:a", "[2/3] RUN make", { started: ts(10), completed: ts(10, 300_000_000) })], logs: [log("sha256:a", "hello\n")] });
  assert.ok(isTrace({ id: "moby.buildkit.trace", aux }));
  assert.not.ok(isTrace({ id: "moby.image.id", aux: { ID: "sha256:x" } }));
  const decoded = decodeTrace(aux);
  assert.is(decoded.vertexes[0]?.name, "[2/3] RUN make");
  assert.equal(decoded.vertexes[0]?.completed, { seconds: 10, nanos: 300_000_000 });
  assert.is(Buffer.from(decoded.logs[0]!.msg).toString(), "hello\n");
});

test("plain progress - steps numbered in order of appearance, output lines prefixed, DONE with the time", () => {
  const p = new PlainProgress();
  let out = "";
  out += p.push(status({ vertexes: [vertex("a", "[internal] load build definition from Dockerfile", { started: ts(1) })] }));
  out += p.push(status({ vertexes: [vertex("a", "[internal] load build definition from Dockerfile", { started: ts(1), completed: ts(1, 100_000_000) })] }));
  out += p.push(status({ vertexes: [vertex("b", "[2/2] RUN echo hi", { started: ts(2) })] }));
  out += p.push(status({ logs: [log("b", "hi\npart")] }));
  out += p.push(status({ logs: [log("b", "ial line\n")] }));
  out += p.push(status({ vertexes: [vertex("b", "[2/2] RUN echo hi", { started: ts(2), completed: ts(2, 340_000_000) })] }));
  // A repeated update of a finished step adds nothing.
  out += p.push(status({ vertexes: [vertex("b", "[2/2] RUN echo hi", { started: ts(2), completed: ts(2, 340_000_000) })] }));
  assert.is(
    out,
    [
      "#1 [internal] load build definition from Dockerfile",
      "#1 DONE 0.1s",
      "#2 [2/2] RUN echo hi",
      "#2 hi",
      "#2 partial line",
      "#2 DONE 0.3s",
      "",
    ].join("\n"),
  );
  assert.is(p.failedStep, null);
});

test("plain progress - cached steps, transfer statuses and a failing step with its error", () => {
  const p = new PlainProgress();
  let out = p.push(status({ vertexes: [vertex("c", "[1/3] FROM busybox", { cached: true, started: ts(1), completed: ts(1) })] }));
  out += p.push(status({ vertexes: [vertex("ctx", "[internal] load build context", { started: ts(1) })], statuses: [{ ID: "transferring context", vertex: "ctx", name: "transferring context", current: 2048, total: 0, completed: ts(2) }] }));
  out += p.push(status({ vertexes: [vertex("r", "[3/3] RUN exit 3", { started: ts(3) })], logs: [log("r", "about to fail")] }));
  out += p.push(status({ vertexes: [vertex("r", "[3/3] RUN exit 3", { started: ts(3), completed: ts(4), error: 'process "/bin/sh -c exit 3" did not complete successfully: exit code: 3' })] }));
  assert.match(out, "#1 [1/3] FROM busybox\n#1 CACHED\n");
  assert.match(out, "#2 [internal] load build context\n#2 transferring context 2.05kB done\n");
  assert.match(out, '#3 [3/3] RUN exit 3\n#3 about to fail\n#3 ERROR: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3\n');
  assert.equal(p.failedStep, { number: 3, name: "[3/3] RUN exit 3" });
});

test("plain progress - output clipped by the engine's BuildKit gets a hint at the setting", () => {
  const p = new PlainProgress();
  const out = p.push(status({ vertexes: [vertex("a", "[2/2] RUN yes", { started: ts(1) })], logs: [log("a", "y\n[output clipped, log limit 2MiB reached]\n")] }));
  assert.match(out, "#1 [output clipped, log limit 2MiB reached]\nslipway: the engine's BuildKit clipped this step's output; for whole logs of chatty builds use SLIPWAY_BUILDER_BACKEND=legacy");
});

test("plain progress - an error that comes before its step's status is blamed on the step still running", () => {
  const p = new PlainProgress();
  p.push(status({ vertexes: [vertex("a", "[1/2] FROM busybox", { cached: true, started: ts(1), completed: ts(1) })] }));
  p.push(status({ vertexes: [vertex("b", "[2/2] RUN exit 3", { started: ts(2) })] }));
  p.push(status({ vertexes: [vertex("c", "importing cache manifest from 127.0.0.1:5500/app:main", { started: ts(2) })] }));
  p.push(status({ vertexes: [vertex("d", "importing cache manifest from 127.0.0.1:5500/app:latest", { started: ts(2), completed: ts(2), error: "not found" })] }));
  assert.is(p.failedStep, null);
  assert.equal(p.blamedStep, { number: 2, name: "[2/2] RUN exit 3" });
  p.push(status({ vertexes: [vertex("b", "[2/2] RUN exit 3", { started: ts(2), completed: ts(3) })] }));
  assert.is(p.blamedStep, null, "a finished step is not blamed");
});

test.run();
