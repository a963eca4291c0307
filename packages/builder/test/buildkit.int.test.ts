import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { until, withFleet } from "./fleet-harness.js";

const fleet = withFleet(test);

test("buildkit - Dockerfiles for today's Docker build: RUN --mount=type=cache, multi-stage COPY --from; the log is plain progress", async () => {
  const builder = await fleet.builder();
  const nonce = randomBytes(4).toString("hex");
  try {
    const q = await fleet.queue(
      `FROM ${fleet.base} AS stage\nRUN --mount=type=cache,target=/cache echo ${nonce} > /cache/n && cp /cache/n /made\nFROM ${fleet.base}\nCOPY --from=stage /made /made\nRUN cat /made\n`,
    );
    assert.ok(await until(fleet.ended(q.buildId), 60_000), builder.output());
    assert.is(await fleet.count(q.buildId, "pushed"), 1, (await fleet.last(q.buildId, "failed", "BuildFailed"))?.data.message);
    const log = (await fleet.logChunks(q.buildId)).map((c) => c.data.text).join("");
    assert.match(log, /^#\d+ \[stage 2\/2\] RUN --mount=type=cache/m);
    assert.match(log, new RegExp(`^#(\\d+) \\[stage-1 3/3\\] RUN cat /made\\n(#\\1 [^\\n]*\\n)*#\\1 ${nonce}\\n`, "m"));
    assert.not.match(log, "moby.buildkit.trace");
  } finally {
    await builder.stop();
  }
});

test("buildkit - on an engine with an empty local cache, a build of an unchanged Dockerfile reuses the registry's layers: its steps are CACHED", async () => {
  const builder = await fleet.builder();
  const name = `cache-${randomBytes(4).toString("hex")}`;
  const image = `${fleet.registry.address}/${name}`;
  const dockerfile = `FROM ${fleet.base}\nRUN echo ${randomBytes(4).toString("hex")} > /a && sleep 1\nRUN echo second > /b\n`;
  try {
    const shaA = randomBytes(20).toString("hex");
    const first = await fleet.queue(dockerfile, { image, sha: shaA, buildNumber: 1, tags: [shaA, "1", "master", "latest"] });
    assert.ok(await until(fleet.ended(first.buildId), 60_000), builder.output());
    assert.is(await fleet.count(first.buildId, "pushed"), 1);
    // A fresh builder host: none of the image's tags, no build cache.
    for (const tag of first.tags) await fleet.docker.getImage(`${image}:${tag}`).remove({ force: true });
    await fleet.docker.pruneBuilder();

    const shaB = randomBytes(20).toString("hex");
    const second = await fleet.queue(dockerfile, { image, sha: shaB, buildNumber: 2, tags: [shaB, "2", "master", "latest"] });
    assert.ok(await until(fleet.ended(second.buildId), 60_000), builder.output());
    const log = (await fleet.logChunks(second.buildId)).map((c) => c.data.text).join("");
    assert.match(log, `importing cache manifest from ${image}:master`);
    assert.match(log, /^#(\d+) \[2\/3\] RUN echo [0-9a-f]+ > \/a && sleep 1\n#\1 CACHED$/m);
    assert.match(log, /^#(\d+) \[3\/3\] RUN echo second > \/b\n(#\1 [^\n]*\n)*#\1 CACHED$/m);
  } finally {
    await builder.stop();
  }
});

test("buildkit - a RUN --mount=type=cache directory persists between builds of the same Dockerfile", async () => {
  const builder = await fleet.builder();
  const target = `/cache-${randomBytes(4).toString("hex")}`;
  const step = (mark: string) => `FROM ${fleet.base}\nRUN --mount=type=cache,target=${target} echo ${mark} >> ${target}/seen && cat ${target}/seen\n`;
  try {
    const [one, two] = [randomBytes(4).toString("hex"), randomBytes(4).toString("hex")];
    const first = await fleet.queue(step(one));
    assert.ok(await until(fleet.ended(first.buildId), 60_000), builder.output());
    const second = await fleet.queue(step(two));
    assert.ok(await until(fleet.ended(second.buildId), 60_000), builder.output());
    const log = (await fleet.logChunks(second.buildId)).map((c) => c.data.text).join("");
    // The second build's step sees what the first one left in the cache mount.
    assert.match(log, new RegExp(`^#(\\d+) ${one}\\n#\\1 ${two}$`, "m"));
  } finally {
    await builder.stop();
  }
});

/**
 * The Dockerfile frontend built into the engine decides these: Docker 23 and later bundle
 * dockerfile 1.4+, which has `COPY --link` and heredocs; 20.10's built-in frontend has neither
 * (a `# syntax=` line could fetch a newer one, but that needs a pull). Where they are missing,
 * the build must fail as a person can read it: stage build, the step, the frontend's reason.
 */
async function frontendHasLinkAndHeredocs(): Promise<boolean> {
  const version = await fleet.docker.version();
  return Number(version.Version.split(".")[0]) >= 23;
}

/**
 * Builds `dockerfile` (which prints `nonce` in a step): where the frontend has the feature, the
 * build pushes and its log shows the step's output; where not, it fails at stage build with
 * `refusal` in the message.
 */
async function expectBuiltOrRefused(dockerfile: string, nonce: string, refusal: RegExp): Promise<void> {
  const builder = await fleet.builder();
  try {
    const q = await fleet.queue(dockerfile);
    assert.ok(await until(fleet.ended(q.buildId), 60_000), builder.output());
    const failed = await fleet.last(q.buildId, "failed", "BuildFailed");
    if (await frontendHasLinkAndHeredocs()) {
      assert.is(await fleet.count(q.buildId, "pushed"), 1, failed?.data.message);
      const log = (await fleet.logChunks(q.buildId)).map((c) => c.data.text).join("");
      assert.match(log, new RegExp(`^#\\d+ ${nonce}$`, "m"));
    } else {
      assert.is(failed?.data.stage, "build");
      assert.match(failed?.data.message ?? "", refusal, failed?.data.message);
    }
  } finally {
    await builder.stop();
  }
}

test("buildkit - COPY --link builds where the engine's frontend has it, and fails naming the line and the flag where it does not", async () => {
  const nonce = randomBytes(4).toString("hex");
  await expectBuiltOrRefused(
    `FROM ${fleet.base} AS made\nRUN echo ${nonce} > /made\nFROM ${fleet.base}\nCOPY --link --from=made /made /made\nRUN cat /made\n`,
    nonce,
    /dockerfile parse error line 4: Unknown flag: link/,
  );
});

test("buildkit - a RUN heredoc builds where the engine's frontend has it, and fails naming the line where it does not", async () => {
  const nonce = randomBytes(4).toString("hex");
  // Without heredocs, the frontend reads the heredoc's first body line as the next instruction.
  await expectBuiltOrRefused(`FROM ${fleet.base}\nRUN <<EOF\necho ${nonce} > /made\ncat /made\nEOF\n`, nonce, /dockerfile parse error line 3: unknown instruction: ECHO/i);
});

test.run();
