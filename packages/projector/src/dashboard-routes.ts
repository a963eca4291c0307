import { basename, dirname } from "node:path";
import { fastifyStatic } from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

/**
 * The web dashboard: `GET /` (its page) and `/assets/*` (its scripts, styles and the two
 * libraries it imports). These hold no data, so they answer without the token: the page asks for
 * it and sends it with every API call. The page routes by hash (`#/builds/<id>`), so no page path
 * ever meets an API path.
 */
export type DashboardRoutesOptions = {
  /** The page's files (`@slipway/dashboard`'s `dashboardDir()`). */
  publicDir: string;
  /** URL path (under `/assets/vendor/`) -> absolute file (`vendorModules()`). */
  vendor: Readonly<Record<string, string>>;
};

/** The routes this plugin registers, open in the projector's token check. */
export const DASHBOARD_ROUTES: readonly string[] = ["/", "/assets/*"];

/**
 * Same origin only: the page talks to this server alone, loads nothing from elsewhere (no CDN, it
 * works offline) and cannot be framed. Inline styles stay allowed for the colours ansi_up writes.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header("content-security-policy", CONTENT_SECURITY_POLICY)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("cache-control", "no-cache");
}

export async function dashboardRoutes(app: FastifyInstance, o: DashboardRoutesOptions): Promise<void> {
  // `no-cache` + ETag: a browser revalidates (a 304 costs nothing) and never runs a stale module
  // next to a new one after an upgrade.
  await app.register(fastifyStatic, {
    root: o.publicDir,
    prefix: "/assets/",
    index: false,
    cacheControl: false,
    dotfiles: "deny",
    setHeaders: (res) => {
      res.setHeader("cache-control", "no-cache");
      res.setHeader("x-content-type-options", "nosniff");
    },
  });
  app.get("/", (_request, reply) => pageHeaders(reply).sendFile("index.html"));
  for (const [path, file] of Object.entries(o.vendor)) {
    app.get(path, (_request, reply) => reply.header("cache-control", "no-cache").header("x-content-type-options", "nosniff").sendFile(basename(file), dirname(file)));
  }
}
