import { verify } from "@octokit/webhooks-methods";

/**
 * Checks GitHub's `X-Hub-Signature-256` over the raw body, in constant time. A missing or
 * malformed header is simply not valid.
 */
export async function isValidSignature(secret: string, rawBody: string, header: string | undefined): Promise<boolean> {
  if (!header || !/^sha256=[0-9a-f]{64}$/.test(header)) return false;
  try {
    return await verify(secret, rawBody, header);
  } catch {
    return false;
  }
}
