import { test } from "uvu";
import * as assert from "uvu/assert";
import { emptySummary, interpretProgress, jsonLines, summarize, type Progress } from "../src/docker-output.js";

const none: Progress = { text: "", error: null, imageId: null, digest: null };
const digest = "sha256:" + "b9".repeat(32);

const cases: [string, unknown, Progress][] = [
  ["a build step line is log text", { stream: "Step 1/2 : FROM base\n" }, { ...none, text: "Step 1/2 : FROM base\n" }],
  ["a bare newline event stays a newline", { stream: "\n" }, { ...none, text: "\n" }],
  ["aux.ID is the built image", { aux: { ID: "sha256:f1ec" } }, { ...none, imageId: "sha256:f1ec" }],
  ["a push's aux carries the digest", { progressDetail: {}, aux: { Tag: "one", Digest: digest, Size: 736 } }, { ...none, digest }],
  [
    "a failed RUN is an error with Docker's message and code",
    { errorDetail: { code: 3, message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" }, error: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" },
    { ...none, text: "The command '/bin/sh -c exit 3' returned a non-zero code: 3\n", error: { message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3", code: 3 } },
  ],
  ["an error without errorDetail still is an error", { error: "denied" }, { ...none, text: "denied\n", error: { message: "denied", code: null } }],
  ["an empty error message is replaced, not lost", { error: " " }, { ...none, text: "Docker reported an error without a message\n", error: { message: "Docker reported an error without a message", code: null } }],
  ["a status with a layer id names the layer", { status: "Pushed", progressDetail: {}, id: "b52bce9b58f2" }, { ...none, text: "b52bce9b58f2: Pushed\n" }],
  ["a status without id is a line", { status: "The push refers to repository [r/x]" }, { ...none, text: "The push refers to repository [r/x]\n" }],
  ["byte-counter progress ticks are dropped", { status: "Pushing", progressDetail: { current: 512, total: 3216 }, progress: "[=>  ]", id: "b5" }, none],
  ["a line that was not JSON is kept as text", "plain words", { ...none, text: "plain words\n" }],
  ["an unknown object adds nothing", { something: 1 }, none],
  ["null adds nothing", null, none],
  ["an array adds nothing", [{ stream: "x" }], none],
  ["a non-string stream is ignored", { stream: 42 }, none],
];

for (const [name, raw, expected] of cases) {
  test(`docker-output - ${name}`, () => {
    assert.equal(interpretProgress(raw), expected);
  });
}

async function collect(chunks: (string | Uint8Array)[]): Promise<unknown[]> {
  async function* source() {
    yield* chunks;
  }
  const out: unknown[] = [];
  for await (const v of jsonLines(source())) out.push(v);
  return out;
}

test("docker-output - jsonLines splits CRLF-separated objects, also several per chunk", async () => {
  const values = await collect(['{"stream":"a"}\r\n{"stream":"b"}\r\n', '{"aux":{"ID":"x"}}\r\n']);
  assert.equal(values, [{ stream: "a" }, { stream: "b" }, { aux: { ID: "x" } }]);
});

test("docker-output - jsonLines joins an object cut across chunks", async () => {
  const values = await collect(['{"str', 'eam":"hel', 'lo"}\r', "\n"]);
  assert.equal(values, [{ stream: "hello" }]);
});

test("docker-output - jsonLines keeps a multi-byte character cut between byte chunks", async () => {
  const bytes = Buffer.from('{"stream":"caf\u00e9 \u{1F6A2}"}\n', "utf8");
  const cut = bytes.indexOf(0xf0) + 2; // inside the 4-byte emoji
  const values = await collect([bytes.subarray(0, cut), bytes.subarray(cut)]);
  assert.equal(values, [{ stream: "caf\u00e9 \u{1F6A2}" }]);
});

test("docker-output - jsonLines yields a last line without newline and skips blank lines", async () => {
  const values = await collect(['\r\n\n{"stream":"a"}\n', "not json"]);
  assert.equal(values, [{ stream: "a" }, "not json"]);
});

test("docker-output - summarize keeps the first error and the last image id and digest", () => {
  const events = [
    { stream: "x" },
    { aux: { ID: "sha256:one" } },
    { error: "first" },
    { error: "second" },
    { aux: { Digest: digest } },
  ];
  const summary = events.map(interpretProgress).reduce(summarize, emptySummary());
  assert.equal(summary, { error: { message: "first", code: null }, imageId: "sha256:one", digest });
});

test("docker-output - a multi-megabyte object cut into a thousand chunks comes out whole", async () => {
  const big = JSON.stringify({ id: "moby.buildkit.trace", aux: "A".repeat(4 * 1024 * 1024) }) + "\n";
  const chunks: string[] = [];
  for (let i = 0; i < big.length; i += 4096) chunks.push(big.slice(i, i + 4096));
  const out: unknown[] = [];
  for await (const v of jsonLines((async function* () {
    yield* chunks;
    yield '{"stream":"after"}\n';
  })())) out.push(v);
  assert.is(out.length, 2);
  assert.is((out[0] as { aux: string }).aux.length, 4 * 1024 * 1024);
  assert.equal(out[1], { stream: "after" });
});

test.run();
