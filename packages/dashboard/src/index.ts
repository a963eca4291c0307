import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * @slipway/dashboard: the web page of slipway, plain HTML, CSS and browser ES modules in
 * `public/`, served by the projector (`GET /`, `/assets/*`). Nothing is built and nothing comes
 * from a CDN: the two libraries it uses are served from their packages' own ESM builds.
 */

/** Absolute path of the page's files (`index.html`, `app.js`, `styles.css`, ...). */
export function dashboardDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "public");
}

/** Where the page imports its libraries from: `<VENDOR_PREFIX><name>.js`. */
export const VENDOR_PREFIX = "/assets/vendor/";

/** The browser ESM entry of each library, as its package exports it to `import`. */
const VENDOR_PACKAGES: Readonly<Record<string, string>> = {
  ansi_up: "ansi_up",
  "eventsource-parser": "eventsource-parser",
};

/**
 * URL path -> absolute file of the libraries the page imports (`/assets/vendor/ansi_up.js`, ...).
 * Resolved through each package's exports with `import` conditions, so a library's update that
 * moves its ESM build keeps working; both builds are self-contained (no imports of their own).
 */
export function vendorModules(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  for (const [name, specifier] of Object.entries(VENDOR_PACKAGES)) {
    out[`${VENDOR_PREFIX}${name}.js`] = resolveImport(require, specifier);
  }
  return out;
}

/**
 * The file `import specifier` loads: `import.meta.resolve` (synchronous from Node 20.6); before
 * that, the package's `exports["."].import`, `module` or `main`, read from its package.json.
 */
function resolveImport(require: NodeRequire, specifier: string): string {
  try {
    return fileURLToPath(import.meta.resolve(specifier));
  } catch {
    const manifestPath = require.resolve(`${specifier}/package.json`);
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports?: { ".": { import?: string } }; module?: string; main?: string };
    const entry = manifest.exports?.["."]?.import ?? manifest.module ?? manifest.main ?? "index.js";
    return join(dirname(manifestPath), entry);
  }
}
