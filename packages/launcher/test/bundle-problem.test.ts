import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bundleProblem } from "../src/paths.js";

const dir = mkdtempSync(join(tmpdir(), "slipway-bundle-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const compiled = join(dir, "main.js");
const bundle = join(dir, "main.bundle.mjs");
const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);

test("bundle problem - none when the bundle is as new as the compiled module or newer", () => {
  writeFileSync(compiled, "");
  writeFileSync(bundle, "");
  at(compiled, 1000);
  at(bundle, 1000);
  assert.is(bundleProblem(bundle, compiled), null);
  at(bundle, 2000);
  assert.is(bundleProblem(bundle, compiled), null);
});

test("bundle problem - a bundle older than its compiled module (tsc ran, bundling did not) would run old code", () => {
  at(compiled, 3000);
  assert.is(bundleProblem(bundle, compiled), `${bundle} is older than ${compiled}`);
});

test("bundle problem - a missing bundle", () => {
  assert.is(bundleProblem(join(dir, "none.mjs"), compiled), `${join(dir, "none.mjs")} is missing`);
});

test.run();
