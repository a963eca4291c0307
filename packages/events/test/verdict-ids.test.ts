import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventIds } from "../src/ids.js";

const packagesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "dist") return [];
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") && !path.includes("/test/") ? [path] : [];
  });
}

/** Every `publishEvent(js, "<Terminal>", data, links)` call in the services' sources. */
function terminalPublishes(): { where: string; call: string }[] {
  const found: { where: string; call: string }[] = [];
  for (const file of sources(packagesDir)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/publish(?:Event)?\(\s*(?:[\w.]+,\s*)?"(ImagePushed|BuildFailed|BuildCancelled)"/g)) {
      // The call runs to its closing parenthesis; the id is among its last arguments.
      const call = text.slice(m.index, text.indexOf(";", m.index));
      found.push({ where: `${relative(packagesDir, file)}:${text.slice(0, m.index).split("\n").length}`, call });
    }
  }
  return found;
}

test("verdict ids - every producer of a build's terminal event uses the one verdict id", () => {
  const calls = terminalPublishes();
  // builder: pushed, failed, cancelled (x2), abandoned; its max-deliveries watcher; git-sync: naming and unqueued failures.
  assert.ok(calls.length >= 7, `found ${calls.length}: ${calls.map((c) => c.where).join(", ")}`);
  for (const { where, call } of calls) assert.match(call, "eventIds.verdict(", `${where} publishes a terminal event with another id`);
});

test("verdict ids - the same for every terminal type of one build, different between builds", () => {
  assert.is(eventIds.verdict("b1"), eventIds.verdict("b1"));
  assert.is.not(eventIds.verdict("b1"), eventIds.verdict("b2"));
  assert.is.not(eventIds.verdict("b1"), eventIds.buildQueued("b1"));
});

test.run();
