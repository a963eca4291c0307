import { createWriteStream, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import tar from "tar-fs";
import { repoRoot } from "@slipway/launcher";
import { stageWorkspace } from "./stage-workspace.js";

/**
 * Where deploy/Dockerfile.prebuilt finds the built workspace, relative to the repository (its
 * build context). Under `.slipway` (not in git); `.dockerignore` lets this one folder through.
 */
export const WORKSPACE_TAR = ".slipway/compose/workspace.tar";

/**
 * Writes the workspace as the service image runs it (see stageWorkspace) as a tar at `path`
 * (relative to the repository), for deploy/Dockerfile.prebuilt to `ADD` into /app: one file
 * into the build context, unpacked in one step, where copying its ten thousand files one by one
 * takes the classic builder several times longer.
 */
export async function writeWorkspaceTar(path = WORKSPACE_TAR): Promise<string> {
  const target = join(repoRoot(), path);
  const stage = mkdtempSync(join(tmpdir(), "slipway-workspace-"));
  try {
    stageWorkspace(stage);
    mkdirSync(dirname(target), { recursive: true });
    // Renamed into place once complete: a build never reads half a tar.
    const partial = `${target}.partial`;
    await pipeline(tar.pack(stage), createWriteStream(partial));
    renameSync(partial, target);
    return path;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
