import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/** Every request the fake received, in order, with what it answered (null: never answered). */
export type RecordedRequest = { method: string; path: string; authorization: string | undefined; body: unknown; answered: number | null };

/** A status the fake stored, as GitHub would: valid, and authorised. */
export type StoredStatus = { owner: string; repo: string; sha: string; state: string; context: string; description: string | null; target_url: string | null };

export type FakeGithub = {
  /** The API base URL to configure, GitHub Enterprise style: `http://127.0.0.1:<port>/api/v3`. */
  url: string;
  requests: RecordedRequest[];
  /** Stored statuses of a commit, oldest first. */
  statuses(sha: string): StoredStatus[];
  /** Answer the next `count` requests with `status` (after the token check), storing nothing. */
  failNext(count: number, status?: number): void;
  /**
   * Called for each status it stores, before answering: "hang" never answers (GitHub stored it,
   * the client never learns), to make a client die between the POST and its answer.
   */
  onStatus: ((status: StoredStatus) => "answer" | "hang") | null;
  stop(): Promise<void>;
};

const PREFIX = "/api/v3";
const STATES = ["pending", "success", "failure", "error"];

/** The body fields GitHub checks on `POST /repos/{owner}/{repo}/statuses/{sha}`; null when valid. */
function invalidStatusBody(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return "body must be a JSON object";
  const get = (key: string): unknown => Reflect.get(body, key);
  const state = get("state");
  if (typeof state !== "string" || !STATES.includes(state)) return "state must be pending, success, failure or error";
  const context = get("context");
  if (context !== undefined && (typeof context !== "string" || context === "")) return "context must be a non-empty string";
  const description = get("description");
  if (description !== undefined && description !== null && (typeof description !== "string" || description.length > 140)) return "description is too long (maximum is 140 characters)";
  const target = get("target_url");
  if (target !== undefined && target !== null && (typeof target !== "string" || !/^https?:\/\//.test(target))) return "target_url must be an http(s) URL";
  return null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
}

/**
 * A local stand-in for GitHub's commit status API: checks the token, method, path and body as
 * GitHub does (401, 404, 422), stores statuses, answers the combined status of a commit, and
 * records every request.
 */
export async function startFakeGithub(token: string): Promise<FakeGithub> {
  const requests: RecordedRequest[] = [];
  const stored: StoredStatus[] = [];
  let failing = { count: 0, status: 500 };

  const fake: FakeGithub = {
    url: "",
    requests,
    statuses: (sha) => stored.filter((s) => s.sha === sha),
    failNext(count, status = 500) {
      failing = { count, status };
    },
    onStatus: null,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await readBody(req);
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const record: RecordedRequest = { method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization, body, answered: null };
    requests.push(record);
    const answer = (status: number, json: unknown) => {
      record.answered = status;
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(json));
    };
    const auth = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? "");
    if (auth?.[1] !== token) return answer(401, { message: "Bad credentials" });
    if (failing.count > 0) {
      failing.count -= 1;
      return answer(failing.status, { message: "Server Error" });
    }
    const path = (req.url ?? "").startsWith(PREFIX) ? (req.url ?? "").slice(PREFIX.length).split("?")[0] ?? "" : "";
    const post = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]{40})$/.exec(path);
    if (req.method === "POST" && post) {
      if (!/^application\/json/.test(req.headers["content-type"] ?? "")) return answer(415, { message: "Unsupported Media Type" });
      const invalid = invalidStatusBody(body);
      if (invalid) return answer(422, { message: "Validation Failed", errors: [{ message: invalid }] });
      const field = (key: string): string | null => {
        const v: unknown = typeof body === "object" && body !== null ? Reflect.get(body, key) : undefined;
        return typeof v === "string" ? v : null;
      };
      const status: StoredStatus = { owner: post[1] ?? "", repo: post[2] ?? "", sha: post[3] ?? "", state: field("state") ?? "", context: field("context") ?? "default", description: field("description"), target_url: field("target_url") };
      stored.push(status);
      if (fake.onStatus?.(status) === "hang") return;
      return answer(201, { id: stored.length, ...status });
    }
    const combined = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/status$/.exec(path);
    if (req.method === "GET" && combined) {
      // Newest status of each context, newest first, as GitHub's combined status lists them.
      const latest = new Map<string, StoredStatus>();
      for (const s of stored) if (s.owner === combined[1] && s.repo === combined[2] && s.sha === combined[3]) latest.set(s.context, s);
      return answer(200, { state: "pending", sha: combined[3], total_count: latest.size, statuses: [...latest.values()].reverse() });
    }
    return answer(404, { message: "Not Found" });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  fake.url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}${PREFIX}`;
  return fake;
}
