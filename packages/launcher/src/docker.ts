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
