#!/usr/bin/env node
/**
 * Makes sure a Docker engine answers (starting `dockerd` detached if none does) and exits,
 * leaving it running for the tests that follow (scripts/test.sh).
 */
import { ensureDockerEngine } from "../infra/docker.js";

try {
  await ensureDockerEngine({ onProgress: (m) => console.log(`[slipway] Docker engine: ${m}`) });
  process.exit(0);
} catch (err) {
  console.error(`[slipway] Docker engine: ${(err as Error).message}`);
  process.exit(1);
}
