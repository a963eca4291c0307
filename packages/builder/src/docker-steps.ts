import type Docker from "dockerode";
import { emptySummary, interpretProgress, jsonLineBatches, summarize, type OutputSummary, type Progress } from "./docker-output.js";
import {
  DockerBuildError,
  DockerIncompleteError,
  DockerPushError,
  DockerTagError,
  DockerUnavailableError,
  InvalidReferenceError,
  classifyDockerError,
  isInvalidReference,
  type BuilderError,
} from "./errors.js";
import type { RegistryCredentials } from "./config.js";
import { registryHost } from "./image-ref.js";

/**
 * The builder's Docker calls, each reading Docker's progress through `docker-output` and passing
 * its text to the build log. Every failure leaves here as one of the builder's error classes.
 */

/** Receives log text as Docker produces it. */
export type OnText = (text: string) => void;

/** Resolves when the reader may take more output: backpressure from a slow log publisher to the engine's socket. */
export type Ready = () => Promise<void>;

/** Reads Docker's progress output to its end: log text to `onText`, the facts folded into a summary. */
export async function follow(output: NodeJS.ReadableStream, onText: OnText, ready?: Ready, interpret: (raw: unknown) => Progress = interpretProgress): Promise<OutputSummary> {
  let summary = emptySummary();
  try {
    for await (const batch of jsonLineBatches(output)) {
      for (const raw of batch) {
        const p = interpret(raw);
        onText(p.text);
        summary = summarize(summary, p);
      }
      // Reading stops here while the log is behind, so Docker's output waits in its socket, not in memory.
      if (ready) await ready();
    }
  } catch (err) {
    throw new DockerUnavailableError(`Docker output broke off: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return summary;
}

export function buildRefused(message: string, cause: unknown): BuilderError {
  return isInvalidReference(message) ? new InvalidReferenceError(message, { cause }) : new DockerBuildError(message, { cause });
}

export type BuildRequest = {
  /** The build context as a tar stream. */
  context: NodeJS.ReadableStream;
  dockerfile: string;
  /** `image:tag` the build is tagged with. */
  reference: string;
  /** Aborts the request (the context stream broke off, the builder is stopping); Docker then cancels the build. */
  abortSignal?: AbortSignal;
  buildArgs?: Record<string, string>;
  /** Images whose layers may be reused (`--cache-from`). */
  cacheFrom?: string[];
};

/** Builds and returns the image id; throws `DockerBuildError` with Docker's message on failure. */
export async function buildImage(docker: Docker, req: BuildRequest, onText: OnText, ready?: Ready): Promise<string> {
  let output: NodeJS.ReadableStream;
  try {
    output = await docker.buildImage(req.context, {
      t: req.reference,
      dockerfile: req.dockerfile,
      rm: true,
      forcerm: true,
      ...(req.buildArgs && Object.keys(req.buildArgs).length > 0 ? { buildargs: req.buildArgs } : {}),
      ...(req.cacheFrom && req.cacheFrom.length > 0 ? { cachefrom: JSON.stringify(req.cacheFrom) } : {}),
      ...(req.abortSignal ? { abortSignal: req.abortSignal } : {}),
    });
  } catch (err) {
    throw classifyDockerError(err, buildRefused);
  }
  let sawSuccess = false;
  const summary = await follow(
    output,
    (text) => {
      if (text.startsWith("Successfully built ")) sawSuccess = true;
      onText(text);
    },
    ready,
  );
  if (summary.error) throw new DockerBuildError(summary.error.message);
  if (summary.imageId) return summary.imageId;
  // Engines older than aux.ID only print the short id: ask for the full one.
  if (sawSuccess) {
    try {
      return (await docker.getImage(req.reference).inspect()).Id;
    } catch (err) {
      throw classifyDockerError(err, (message, cause) => new DockerBuildError(message, { cause }));
    }
  }
  throw new DockerIncompleteError("Docker's build output ended without a result (engine stopped mid-build?)");
}

/** Adds `image:tag` to an existing image. */
export async function tagImage(docker: Docker, imageId: string, image: string, tag: string): Promise<void> {
  try {
    await docker.getImage(imageId).tag({ repo: image, tag });
  } catch (err) {
    throw classifyDockerError(err, (message, cause) =>
      isInvalidReference(message) ? new InvalidReferenceError(`${image}:${tag}: ${message}`, { cause }) : new DockerTagError(`tag ${image}:${tag}: ${message}`, { cause }),
    );
  }
}

/**
 * Pushes `image:tag` and returns the manifest digest the registry stored. `abortSignal` cuts the
 * request off (the builder is stopping); Docker then cancels the push.
 */
export async function pushImage(
  docker: Docker,
  image: string,
  tag: string,
  credentials: RegistryCredentials | null,
  onText: OnText,
  abortSignal?: AbortSignal,
): Promise<string> {
  // A fresh options object per call: dockerode deletes `authconfig` and `abortSignal` from it.
  const options: Docker.ImagePushOptions = { tag, ...(abortSignal ? { abortSignal } : {}) };
  if (credentials) {
    options.authconfig = { username: credentials.username, password: credentials.password, serveraddress: registryHost(image) };
  }
  let output: NodeJS.ReadableStream;
  try {
    output = await docker.getImage(image).push(options);
  } catch (err) {
    throw classifyDockerError(err, (message, cause) => new DockerPushError(message, { cause }));
  }
  const summary = await follow(output, onText);
  if (summary.error) throw new DockerPushError(summary.error.message);
  if (!summary.digest) throw new DockerIncompleteError(`push of ${image}:${tag} ended without a digest`);
  return summary.digest;
}
