import { existsSync, statSync } from "node:fs";
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

/** A service package's compiled entry module: tsc's output, which `serviceEntry` is bundled from. */
export function serviceModule(name: string): string {
  return join(repoRoot(), "packages", name, "dist", "main.js");
}

/**
 * What `npm start`, the tests and the images run of a service: its entry module bundled with its
 * dependencies into one file (`pnpm run build`; see cli/bundle-services.ts), which starts in about
 * half the time of loading each module from its own file.
 */
export function serviceEntry(name: string): string {
  return join(repoRoot(), "packages", name, "dist", "main.bundle.mjs");
}

/**
 * Why a service cannot run as built, or null: its bundle is missing, or older than its compiled
 * entry module (`tsc -b` ran, the bundling after it did not), so it would run old code.
 */
export function serviceBuildProblem(name: string): string | null {
  return bundleProblem(serviceEntry(name), serviceModule(name));
}

/** `serviceBuildProblem` for a bundle made from `compiled`. */
export function bundleProblem(bundle: string, compiled: string): string | null {
  if (!existsSync(bundle)) return `${bundle} is missing`;
  if (existsSync(compiled) && statSync(compiled).mtimeMs > statSync(bundle).mtimeMs) return `${bundle} is older than ${compiled}`;
  return null;
}
