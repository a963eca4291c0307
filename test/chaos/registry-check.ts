import { httpRequest } from "./http.js";

/** The manifest types a push from this engine may have stored. */
const MANIFEST_TYPES = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
].join(", ");

/** Whether the registry at `address` holds `image` (as builds name it: `<address>/<name>`) at `digest`. */
export async function registryHasDigest(address: string, image: string, digest: string): Promise<boolean> {
  const name = image.startsWith(`${address}/`) ? image.slice(address.length + 1) : image;
  const answer = await httpRequest("HEAD", `http://${address}/v2/${name}/manifests/${digest}`, { headers: { accept: MANIFEST_TYPES }, timeoutMs: 30_000 });
  if (answer.status === null) throw new Error(`registry ${address}: ${answer.error}`);
  return answer.status === 200;
}
