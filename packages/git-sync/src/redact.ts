/**
 * A clone URL (or the template) as it may be shown: the template is the operator's way to give
 * git credentials (`https://token@host/...`), and those never reach an event, a log or an API answer.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1***@");
}

/** Replaces every occurrence of the URL (git echoes it in errors) with its redacted form. */
export function redactIn(text: string, url: string): string {
  const safe = redactUrl(url);
  return safe === url ? text : text.split(url).join(safe);
}
