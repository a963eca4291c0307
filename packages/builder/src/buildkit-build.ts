import type Docker from "dockerode";
import { interpretProgress, textOnly, type Progress } from "./docker-output.js";
import { buildRefused, follow, type BuildRequest, type OnText, type Ready } from "./docker-steps.js";
import { decodeTrace, isTrace } from "./buildkit-trace.js";
import { classifyDockerError, DockerBuildError, DockerIncompleteError } from "./errors.js";
import { PlainProgress } from "./plain-progress.js";

export type BuildKitRequest = BuildRequest & {
  /** Image labels: BuildKit writes them into the image config, with no extra step. */
  labels: Record<string, string>;
};

/**
 * Builds with the engine's BuildKit (`version=2` on the Engine API), from the same tar context:
 * no buildx, no client session (a session would only add credentials for pulling private base
 * images). Progress is decoded into plain text; a failing step is named in the error.
 */
export async function buildWithBuildKit(docker: Docker, req: BuildKitRequest, onText: OnText, ready?: Ready): Promise<string> {
  const query: Record<string, unknown> = {
    t: req.reference,
    dockerfile: req.dockerfile,
    version: "2",
    rm: true,
    forcerm: true,
    labels: req.labels,
    ...(req.buildArgs && Object.keys(req.buildArgs).length > 0 ? { buildargs: req.buildArgs } : {}),
    ...(req.cacheFrom && req.cacheFrom.length > 0 ? { cachefrom: JSON.stringify(req.cacheFrom) } : {}),
  };
  let output: NodeJS.ReadableStream;
  try {
    output = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
      docker.modem.dial(
        {
          path: "/build?",
          method: "POST",
          file: req.context,
          options: query,
          isStream: true,
          statusCodes: { 200: true, 400: "bad parameter", 500: "server error" },
          ...(req.abortSignal ? { abortSignal: req.abortSignal } : {}),
        },
        (err, data) => (err ? reject(err) : resolve(data as NodeJS.ReadableStream)),
      );
    });
  } catch (err) {
    throw classifyDockerError(err, buildRefused);
  }
  const progress = new PlainProgress();
  const interpret = (raw: unknown): Progress => {
    if (!isTrace(raw)) return interpretProgress(raw);
    try {
      return textOnly(progress.push(decodeTrace(raw.aux)));
    } catch {
      return textOnly("slipway: an unreadable BuildKit progress message was skipped\n");
    }
  };
  const summary = await follow(output, onText, ready, interpret);
  if (summary.error) {
    const step = progress.blamedStep;
    throw new DockerBuildError(step ? `step #${step.number} ${step.name} failed: ${summary.error.message}` : summary.error.message);
  }
  if (summary.imageId) return summary.imageId;
  throw new DockerIncompleteError("Docker's build output ended without a result (engine stopped mid-build?)");
}
