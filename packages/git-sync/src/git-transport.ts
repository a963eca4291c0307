import { isLoopback } from "@slipway/service-kit";

/** How git reaches a clone URL (template), by git's own rules; decides which credentials apply. */
export const GitTransport = { Http: "http", Ssh: "ssh", Local: "local", Other: "other" } as const;
export type GitTransport = (typeof GitTransport)[keyof typeof GitTransport];

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

export function transportOf(url: string): GitTransport {
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === "http" || scheme === "https") return GitTransport.Http;
  if (scheme === "ssh" || scheme === "git+ssh" || scheme === "ssh+git") return GitTransport.Ssh;
  if (scheme === "file") return GitTransport.Local;
  if (scheme) return GitTransport.Other;
  // git reads a colon before the first slash as scp-like `[user@]host:path`, i.e. ssh.
  const colon = url.indexOf(":");
  const slash = url.indexOf("/");
  return colon > 0 && (slash === -1 || colon < slash) ? GitTransport.Ssh : GitTransport.Local;
}

/** The parts of an http(s) URL that git's credential prompts name: scheme, user and host[:port]. */
export type HttpOrigin = { scheme: "http" | "https"; userinfo: string | null; host: string };

export function httpOrigin(url: string): HttpOrigin | null {
  const m = /^(https?):\/\/(?:([^/@]*)@)?([^/?#]*)/i.exec(url);
  if (!m) return null;
  return { scheme: m[1]!.toLowerCase() as "http" | "https", userinfo: m[2] ?? null, host: m[3]! };
}

/**
 * A URL's `host[:port]` whose traffic never leaves the machine: the only hosts a token may reach
 * over plain http.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, "").toLowerCase();
  return isLoopback(name === "[::1]" ? "::1" : name);
}
