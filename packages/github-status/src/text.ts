/** GitHub refuses a commit status whose description is longer than this (422). */
export const MAX_DESCRIPTION = 140;

/**
 * One line of at most `max` characters: whitespace runs (a multi-line Docker error) become one
 * space, and a cut text ends with `…`. Cuts between code points, never inside a surrogate pair.
 */
export function oneLine(text: string, max = MAX_DESCRIPTION): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  let out = "";
  for (const char of flat) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return out.trimEnd() + "…";
}

/**
 * An image reference without its registry (`127.0.0.1:5500/acme/shop_test` -> `acme/shop_test`):
 * the registry is the same for every build and would eat the 140 characters.
 */
export function imageWithoutRegistry(image: string): string {
  const slash = image.indexOf("/");
  if (slash < 0) return image;
  const first = image.slice(0, slash);
  // Docker's rule: the first part names a registry when it has a `.` or `:`, or is `localhost`.
  return first.includes(".") || first.includes(":") || first === "localhost" ? image.slice(slash + 1) : image;
}
