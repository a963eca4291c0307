import { verifyWithFallback } from "@octokit/webhooks-methods";

/**
 * Checks GitHub's `X-Hub-Signature-256` over the raw body against every configured secret (a
 * rotation has two), each in constant time. A missing or malformed header is simply not valid.
 * GitHub signs the UTF-8 bytes it sends; a body that is not UTF-8 cannot match.
 */
export async function isValidSignature(secrets: readonly string[], body: string, header: string | string[] | undefined): Promise<boolean> {
  if (typeof header !== "string" || !/^sha256=[0-9a-f]{64}$/.test(header) || secrets.length === 0 || body.length === 0) return false;
  try {
    return Boolean(await verifyWithFallback(secrets[0]!, body, header, secrets.slice(1)));
  } catch {
    return false;
  }
}
