import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@slipway/test-kit";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ExitCode } from "../src/errors.js";
import { EXIT_CODES_HELP } from "../src/program.js";

/** The README's "Command line" section, from its heading to the next one. */
function section(): string {
  const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
  const start = readme.indexOf("\n## Command line\n");
  assert.ok(start >= 0, "README has a Command line section");
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end);
}

test("readme - the Command line section has a row for every exit code, as --help does", () => {
  const text = section();
  for (const code of Object.values(ExitCode)) {
    assert.match(text, new RegExp(`\\n\\| ${code} \\| `), `README row for exit code ${code}`);
    assert.match(EXIT_CODES_HELP, new RegExp(`\\n  ${code} `), `--help line for exit code ${code}`);
  }
});

test("readme - every command is described", () => {
  const text = section();
  for (const name of ["watch", "builds", "logs", "trigger", "retry", "cancel", "replay", "status"]) assert.match(text, new RegExp(`\`slipway ${name}\\b`), name);
});

test.run();
