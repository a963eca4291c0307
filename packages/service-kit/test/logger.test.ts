import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const LOGGER = fileURLToPath(new URL("../src/logger.ts", import.meta.url));

/** The lines a fresh process writes with `createLogger`, exiting right after (pending lines are flushed). */
function linesLogged(script: string): Record<string, unknown>[] {
  const code = `import { createLogger } from ${JSON.stringify(LOGGER)};\nconst logger = createLogger("t", "info");\n${script}`;
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
  return out.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("logger - a logged config shows every secret field as [redacted]", () => {
  const [line] = linesLogged(`logger.info({ config: { apiToken: "t0ken", token: "gh-t0ken", webhookSecret: "s", webhookSecrets: ["s1", "s2"], password: "pw", port: 6000 } }, "starting");`);
  const config = line!.config as Record<string, unknown>;
  assert.equal(config, { apiToken: "[redacted]", token: "[redacted]", webhookSecret: "[redacted]", webhookSecrets: "[redacted]", password: "[redacted]", port: 6000 });
});

test("logger - lines logged just before exit reach stdout, in order", () => {
  const lines = linesLogged(`for (let i = 0; i < 500; i++) logger.info({ i }, "line");\nprocess.exit(0);`);
  assert.is(lines.length, 500);
  assert.equal(lines.map((l) => l.i), Array.from({ length: 500 }, (_, i) => i));
});

test.run();
