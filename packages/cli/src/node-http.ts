import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export type PlainAnswer = { status: number; body: unknown } | { status: null; error: string };

/**
 * A GET with node:http, for addresses fetch refuses: ingress's port 6000 is on the Fetch
 * standard's list of blocked ports. Never throws: no answer is `{status: null, error}`.
 */
export function getJson(url: string, headers: Record<string, string> = {}, timeoutMs = 3000): Promise<PlainAnswer> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return resolve({ status: null, error: `not a URL: ${url}` });
    }
    const request = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = request(target, { method: "GET", headers: { accept: "application/json", ...headers }, timeout: timeoutMs }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: the text is what there is.
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on("error", (err) => resolve({ status: null, error: err.message }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ status: null, error: err.code ?? err.message }));
    req.end();
  });
}
