import type Docker from "dockerode";
import { dockerClient } from "@slipway/launcher";

/**
 * Removes the local tags that name a registry (e.g. a test's throwaway `127.0.0.1:PORT`): the
 * builder keeps its tags as cache, and a test's registry is gone when the test ends.
 */
export async function removeLocalTags(registryAddress: string, docker: Docker = dockerClient()): Promise<void> {
  const prefix = `${registryAddress}/`;
  for (const image of await docker.listImages()) {
    for (const ref of image.RepoTags ?? []) {
      if (ref.startsWith(prefix)) await docker.getImage(ref).remove({ noprune: true });
    }
  }
}
