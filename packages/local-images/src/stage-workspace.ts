import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { repoRoot } from "@slipway/launcher";

/** The launcher, the test kit and these images: nothing a service runs. */
const LEFT_OUT_PACKAGES = new Set(["launcher", "local-images", "test-kit"]);
/** What pnpm installs from: the manifests, the lockfile and the patches it applies to dependencies. */
const ROOT_FILES = ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", "patches"];

/** Sources, tests and build state stay out: `dist` (and `bin`, `public`) is what runs. */
function isSourceOnly(entry: string): boolean {
  return entry === "src" || entry === "test" || entry === "node_modules" || entry.startsWith("tsconfig") || entry.endsWith(".tsbuildinfo");
}

/**
 * Writes into `dest` the built workspace as the service image runs it: each package's manifest
 * and build output, and the production dependencies installed by pnpm from this machine's store
 * (no download when `pnpm install` ran here; the native modules come built from the store too).
 */
export function stageWorkspace(dest: string, root = repoRoot()): void {
  mkdirSync(dest, { recursive: true });
  for (const file of ROOT_FILES) cpSync(join(root, file), join(dest, file), { recursive: true });
  for (const pkg of readdirSync(join(root, "packages"))) {
    const from = join(root, "packages", pkg);
    if (LEFT_OUT_PACKAGES.has(pkg) || !existsSync(join(from, "package.json"))) continue;
    if (!existsSync(join(from, "dist"))) throw new Error(`packages/${pkg}/dist is missing: build the workspace first (pnpm run build)`);
    for (const entry of readdirSync(from)) {
      if (!isSourceOnly(entry)) cpSync(join(from, entry), join(dest, "packages", pkg, entry), { recursive: true });
    }
  }
  try {
    execFileSync("pnpm", ["install", "--prod", "--frozen-lockfile", "--prefer-offline", "--reporter=append-only"], {
      cwd: dest,
      env: { ...process.env, ...nodeHeadersEnv() },
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
    });
  } catch (err) {
    const { stdout = "", stderr = "" } = err as { stdout?: string; stderr?: string };
    throw new Error(`pnpm install --prod in ${dest} failed:\n${`${stdout}\n${stderr}`.trim().split("\n").slice(-20).join("\n")}`, { cause: err });
  }
}

/**
 * Should a native module have to compile again, it builds against this node's own headers (as
 * scripts/bootstrap.sh sets up): there may be no way to download them.
 */
function nodeHeadersEnv(): Record<string, string> {
  if (process.env.npm_config_nodedir) return {};
  const prefix = dirname(dirname(realpathSync(process.execPath)));
  return existsSync(join(prefix, "include", "node", "node.h")) ? { npm_config_nodedir: prefix } : {};
}
