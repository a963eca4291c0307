/**
 * The registry host of an image reference, as Docker decides it: the first path component when it
 * looks like a host (has a `.` or `:`, or is `localhost`), else Docker Hub.
 */
export function registryHost(image: string): string {
  const slash = image.indexOf("/");
  if (slash < 0) return "docker.io";
  const first = image.slice(0, slash);
  return first.includes(".") || first.includes(":") || first === "localhost" ? first : "docker.io";
}
