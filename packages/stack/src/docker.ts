import Docker from "dockerode";

let client: Docker | undefined;

/** One Docker client per process, from DOCKER_HOST or the default socket (dockerode's rules). */
export function dockerClient(): Docker {
  return (client ??= new Docker());
}

/** Whether the Docker engine answers a ping. */
export async function dockerAnswers(docker: Docker = dockerClient()): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

/** Whether an image exists locally. */
export async function imageExists(name: string, docker: Docker = dockerClient()): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

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
