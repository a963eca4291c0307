import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startFleet, until, type Fleet } from "./fleet-harness.js";

let fleet: Fleet;

test.before(async () => {
  fleet = await startFleet();
});

test.after(async () => {
  await fleet?.dispose();
});

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

test.run();
