import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import tar from "tar-fs";
import type Docker from "dockerode";
import { dockerClient, imageExists } from "@slipway/launcher";

/** An image built FROM scratch out of files of this machine (no pull: this machine has no registry access). */
export type ScratchImageSpec = {
  /** Image name with tag. */
  name: string;
  /** Host files copied into the image root, keyed by their path inside the image. */
  files: Record<string, string>;
  /** Extra text files written into the image root, keyed by path. */
  texts?: Record<string, string>;
  /** Empty directories to create (e.g. /tmp). */
  dirs?: string[];
  /** Symbolic links, keyed by their path inside the image, valued by their target (as `ln -s` takes it). */
  links?: Record<string, string>;
  /** Dockerfile lines after `FROM scratch` and `COPY rootfs/ /`. */
  instructions: string[];
};

const inFlight = new Map<string, Promise<string>>();

/**
 * Builds the image unless it already exists; concurrent calls for one name share one build.
 * Resolves with the image name.
 */
export function ensureScratchImage(spec: ScratchImageSpec, docker: Docker = dockerClient()): Promise<string> {
  let p = inFlight.get(spec.name);
  if (!p) {
    p = (async () => {
      if (!(await imageExists(spec.name, docker))) await buildScratchImage(spec, docker);
      return spec.name;
    })();
    inFlight.set(spec.name, p);
    p.catch(() => inFlight.delete(spec.name));
  }
  return p;
}

/** The Dockerfile of a scratch image spec. */
export function scratchDockerfile(spec: Pick<ScratchImageSpec, "instructions">): string {
  return ["FROM scratch", "COPY rootfs/ /", ...spec.instructions, ""].join("\n");
}

async function buildScratchImage(spec: ScratchImageSpec, docker: Docker): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), "slipway-image-"));
  try {
    const rootfs = join(context, "rootfs");
    mkdirSync(rootfs);
    for (const [target, source] of Object.entries(spec.files)) {
      const dest = join(rootfs, target);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(source, dest); // follows symlinks (ld-linux in /lib64 is one)
    }
    for (const [target, text] of Object.entries(spec.texts ?? {})) {
      const dest = join(rootfs, target);
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, text);
    }
    for (const dir of spec.dirs ?? []) mkdirSync(join(rootfs, dir), { recursive: true });
    for (const [path, target] of Object.entries(spec.links ?? {})) {
      const link = join(rootfs, path);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(target, link);
    }
    writeFileSync(join(context, "Dockerfile"), scratchDockerfile(spec));
    const stream = await docker.buildImage(tar.pack(context), { t: spec.name, rm: true, forcerm: true });
    const events = await new Promise<unknown[]>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, out: unknown[]) => (err ? reject(err) : resolve(out))),
    );
    // followProgress does not reject on a failed build: the error is one of the events.
    const failure = events.find((e): e is { error: unknown } => typeof e === "object" && e !== null && "error" in e);
    if (failure) throw new Error(`building ${spec.name} failed: ${String(failure.error)}`);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** Files map for a binary and the libraries it loads, each at its own path (the binary at `target`). */
export function binaryWithLibraries(binary: string, target: string, libraries: string[]): Record<string, string> {
  const files: Record<string, string> = { [target]: binary };
  for (const lib of libraries) files[lib] = lib;
  return files;
}
