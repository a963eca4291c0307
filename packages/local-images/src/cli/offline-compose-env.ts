#!/usr/bin/env node
/**
 * Builds the images deploy/compose.yml needs on a machine that cannot pull any, and prints the
 * variables that point compose at them, as shell `export` lines:
 *   eval "$(node packages/local-images/dist/cli/offline-compose-env.js)"
 *   docker-compose -f deploy/compose.yml up -d --build
 */
import { prepareOfflineCompose } from "../offline-compose.js";

try {
  console.error("[slipway] building local images for deploy/compose.yml (node+git base, NATS, registry) and the workspace tar");
  const env = await prepareOfflineCompose();
  for (const [key, value] of Object.entries(env)) console.log(`export ${key}='${value}'`);
  process.exit(0);
} catch (err) {
  console.error(`[slipway] ${(err as Error).message}`);
  process.exit(1);
}
