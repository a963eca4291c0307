/**
 * The two content types GitHub sends a webhook as: `application/json` (the body is the payload)
 * and `application/x-www-form-urlencoded` (the payload is the `payload` field). Bodies are kept as
 * raw bytes until the signature over them was checked; only then is JSON parsed.
 */
export const HOOK_CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded"] as const;
export type HookContentType = (typeof HOOK_CONTENT_TYPES)[number];

/**
 * What the content-type parsers hand the route: the body as received, decoded from UTF-8 once
 * (GitHub signs UTF-8 bytes; a body that is not UTF-8 changes in decoding and fails the signature).
 */
export type RawHookBody = { text: string; type: HookContentType };

export type DecodedBody = { ok: true; payload: unknown } | { ok: false; message: string };

export function decodeHookBody(body: RawHookBody): DecodedBody {
  let json: string;
  if (body.type === "application/json") {
    json = body.text;
  } else {
    const fields = new URLSearchParams(body.text);
    const payloads = fields.getAll("payload");
    if (payloads.length !== 1) return { ok: false, message: "a form-encoded webhook needs exactly one payload field" };
    json = payloads[0]!;
  }
  try {
    return { ok: true, payload: JSON.parse(json) as unknown };
  } catch {
    return { ok: false, message: body.type === "application/json" ? "body is not valid JSON" : "the payload field is not valid JSON" };
  }
}
