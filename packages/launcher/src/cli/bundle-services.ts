import { build } from "esbuild";
import { serviceEntry, serviceModule } from "../paths.js";
import { SERVICES } from "./config.js";

/**
 * Bundles each service (after `tsc -b`, as part of `pnpm run build`): its compiled entry module
 * and every module it imports, into `dist/main.bundle.mjs` beside it, with a source map. Node then
 * reads one file instead of a thousand (TypeBox, fastify, the NATS client...): a service reaches
 * its first log line in about half the time, which is most of what a restart waits on.
 * The bundle stays in `dist/`, so paths the code finds from its own location (the replay's writer
 * thread, the builder's protocol file) still resolve.
 */

/**
 * Left to Node to load at run time: a native module, an optional one (ssh2 tries `cpu-features`),
 * and the dashboard, which finds its page's files from its own location. Each is a dependency of
 * the service that imports it, so it resolves from the bundle's folder.
 */
const EXTERNAL = ["better-sqlite3", "cpu-features", "@slipway/dashboard"];

/** CommonJS dependencies use `require`, `__filename` and `__dirname`, which an ES module lacks. */
const BANNER = [
  'import { createRequire as __bundleRequire } from "node:module";',
  'import { dirname as __bundleDirname } from "node:path";',
  'import { fileURLToPath as __bundlePath } from "node:url";',
  "const require = __bundleRequire(import.meta.url);",
  "const __filename = __bundlePath(import.meta.url);",
  "const __dirname = __bundleDirname(__filename);",
].join("\n");

const started = performance.now();
await Promise.all(
  SERVICES.map((service) =>
    build({
      entryPoints: [serviceModule(service)],
      outfile: serviceEntry(service),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      external: EXTERNAL,
      banner: { js: BANNER },
      sourcemap: true,
      logLevel: "warning",
    }),
  ),
);
console.log(`bundled ${SERVICES.join(", ")} in ${Math.round(performance.now() - started)} ms`);
