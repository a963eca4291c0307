import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cachedRoot: string | undefined;

/**
 * The workspace root (the folder holding pnpm-workspace.yaml), found from this file's location so
 * that tests and the launcher work from any current directory.
 */
export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return (cachedRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no pnpm-workspace.yaml above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** Local state of the launcher and harness (logs, data of servers we start): `<repo>/.slipway`. */
export function stateDir(...parts: string[]): string {
  return join(repoRoot(), ".slipway", ...parts);
}

/** The entry point of a service package, as `npm start` and the tests run it. */
export function serviceEntry(name: string): string {
  return join(repoRoot(), "packages", name, "dist", "main.js");
}
