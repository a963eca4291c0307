import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { moveLegacyLogFiles } from "../src/legacy-log-files.js";
import { attemptPath, LogWriter } from "../src/log-writer.js";

const A = "b00000000000000a";
const B = "b00000000000000b";

test("legacy log files - attempt files move to the state folder; the logs folder keeps only logs", async () => {
  const dir = await mkdtemp(join(tmpdir(), "projector-legacy-"));
  try {
    const logs = join(dir, "logs");
    const attempts = join(dir, "state", "log-attempts");
    await mkdir(logs);
    await writeFile(join(logs, `${A}.log`), "attempt two of a\n");
    await writeFile(join(logs, `${A}.log.attempt`), "2");
    await writeFile(join(logs, `${B}.log`), "b\n");
    await writeFile(join(logs, `${B}.log.attempt`), "1");
    await writeFile(join(logs, `${B}.log.attempt.4242.tmp`), "3");
    await writeFile(join(logs, "README.txt"), "an operator's file, left alone");
    // Already moved by a newer run: the state folder's copy wins.
    await mkdir(attempts, { recursive: true });
    await writeFile(attemptPath(attempts, B), "5");

    assert.equal(await moveLegacyLogFiles(logs, attempts), { moved: 1, removed: 2 });
    assert.equal((await readdir(logs)).sort(), ["README.txt", `${A}.log`, `${B}.log`]);
    assert.is(await readFile(attemptPath(attempts, A), "utf8"), "2");
    assert.is(await readFile(attemptPath(attempts, B), "utf8"), "5");
    // Done once: a later start does not even list the logs folder (a stray file stays where it is).
    await writeFile(join(logs, `${A}.log.attempt`), "9");
    assert.equal(await moveLegacyLogFiles(logs, attempts), { moved: 0, removed: 0 }, "a second run skips the folder");
    assert.ok((await readdir(logs)).includes(`${A}.log.attempt`));
    await rm(join(logs, `${A}.log.attempt`));
    assert.equal(await moveLegacyLogFiles(join(dir, "missing"), attempts), { moved: 0, removed: 0 });

    // The writer reads the moved owner: a late chunk of attempt 1 is still dropped.
    const writer = new LogWriter(logs, attempts);
    assert.is(await writer.write({ buildId: A, attempt: 1, seq: 0, offset: 0, text: "late\n" }), "stale");
    assert.is(await readFile(join(logs, `${A}.log`), "utf8"), "attempt two of a\n");
    await writer.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
