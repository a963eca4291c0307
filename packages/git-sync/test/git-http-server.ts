import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A real git smart-HTTP server on 127.0.0.1: `git http-backend` as CGI behind HTTP Basic auth
 * with one username and token, as a private GitHub repository answers. Without credentials (or
 * with wrong ones) it answers 401 with `WWW-Authenticate: Basic`, which is what makes git ask
 * its askpass helper.
 */
export type GitHttpServer = {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request: its path, and whether its credentials were accepted. */
  requests: { method: string; path: string; authorized: boolean }[];
  /** From now on only this token is accepted (a rotation). */
  setToken(token: string): void;
  stop(): Promise<void>;
};

export type GitHttpServerOptions = {
  /** Milliseconds to hold a request for this path before serving it (a slow host); default none. */
  holdMs?: (path: string) => number;
};

export async function startGitHttpServer(projectRoot: string, username: string, token: string, options: GitHttpServerOptions = {}): Promise<GitHttpServer> {
  const basic = (t: string) => `Basic ${Buffer.from(`${username}:${t}`).toString("base64")}`;
  let expected = basic(token);
  const requests: GitHttpServer["requests"] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const authorized = req.headers.authorization === expected;
    requests.push({ method: req.method ?? "", path: url.pathname, authorized });
    if (!authorized) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="slipway test"', "Content-Type": "text/plain" });
      res.end("credentials required\n");
      return;
    }
    const hold = options.holdMs?.(url.pathname) ?? 0;
    if (hold > 0) setTimeout(() => httpBackend(projectRoot, url, req, res, username), hold);
    else httpBackend(projectRoot, url, req, res, username);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setToken: (t) => {
      expected = basic(t);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `git http-backend` for one request: the CGI environment in, `Status:` and headers out, bodies streamed. */
function httpBackend(projectRoot: string, url: URL, req: IncomingMessage, res: ServerResponse, user: string): void {
  const header = (name: string) => {
    const v = req.headers[name];
    return typeof v === "string" ? v : "";
  };
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: "1",
      GATEWAY_INTERFACE: "CGI/1.1",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ""),
      CONTENT_TYPE: header("content-type"),
      ...(header("content-length") ? { CONTENT_LENGTH: header("content-length") } : {}),
      // git sends its POST bodies gzipped; http-backend inflates them when told so.
      HTTP_CONTENT_ENCODING: header("content-encoding"),
      // Protocol v2 is asked for in a header that CGI passes as an HTTP_ variable.
      HTTP_GIT_PROTOCOL: header("git-protocol"),
      REMOTE_USER: user,
      REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  req.pipe(child.stdin);
  child.stdin.on("error", () => undefined);
  child.stderr.resume();

  let head = Buffer.alloc(0);
  let started = false;
  const onData = (chunk: Buffer) => {
    if (started) return;
    head = Buffer.concat([head, chunk]);
    const end = headerEnd(head);
    if (end === null) return;
    started = true;
    child.stdout.off("data", onData);
    const lines = head.subarray(0, end.at).toString("latin1").split(/\r?\n/).filter(Boolean);
    let status = 200;
    for (const line of lines) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end.at + end.length));
    child.stdout.pipe(res);
  };
  child.stdout.on("data", onData);
  child.on("close", () => {
    if (!started) {
      res.writeHead(502);
      res.end();
    }
  });
  child.on("error", () => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}

function headerEnd(buf: Buffer): { at: number; length: number } | null {
  const crlf = buf.indexOf("\r\n\r\n");
  const lf = buf.indexOf("\n\n");
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  return lf >= 0 ? { at: lf, length: 2 } : null;
}
