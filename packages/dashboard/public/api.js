/**
 * Every call of the page to the projector. With a token stored, each request carries
 * `Authorization: Bearer <token>`; a 401 asks for the token (once, however many calls wanted it),
 * stores it in this browser and tries again. The build control routes (`POST /builds`, retry,
 * cancel) are the projector's too: it forwards them to ingress, since browsers refuse port 6000.
 */

const TOKEN_KEY = "slipway.apiToken";
const USER_KEY = "slipway.user";

/** An answer that is not 2xx, or no answer; `code` is the API's stable code when it gave one. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

export function storedToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || null;
  } catch {
    return null;
  }
}

export function storeToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Private mode without storage: the token lives until the page closes.
  }
  memoryToken = token || null;
}

/** Who the control calls name as the caller (`X-Slipway-User`); null = ingress's default, `api`. */
export function storedUser() {
  try {
    return localStorage.getItem(USER_KEY) || null;
  } catch {
    return null;
  }
}

export function storeUser(user) {
  try {
    if (user) localStorage.setItem(USER_KEY, user);
    else localStorage.removeItem(USER_KEY);
  } catch {
    // As above.
  }
}

let memoryToken = null;
const token = () => storedToken() ?? memoryToken;

/** Asks the person for the token; resolves true once one is stored, false if they declined. */
let askForToken = async () => false;
let asking = null;

/** The page's token form (app.js): `ask(reason)` resolves with whether a token was stored. */
export function setTokenPrompt(ask) {
  askForToken = ask;
}

function promptOnce(reason) {
  asking ??= askForToken(reason).finally(() => (asking = null));
  return asking;
}

/** Headers of every call: the token when there is one. */
export function authHeaders(extra = {}) {
  const t = token();
  return t ? { ...extra, authorization: `Bearer ${t}` } : { ...extra };
}

/**
 * fetch() with the token, and the token asked for on a 401. Returns the Response of a 2xx (or 206);
 * throws ApiError otherwise, with what the API said.
 */
export async function request(path, init = {}) {
  for (let attempt = 0; ; attempt++) {
    const sent = token();
    let res;
    try {
      res = await fetch(path, { ...init, headers: authHeaders(init.headers) });
    } catch (err) {
      if (err?.name === "AbortError") throw err;
      throw new ApiError(0, "NETWORK", `the projector at ${location.origin} does not answer: is it running (npm start)? ${err?.message ?? ""}`.trim());
    }
    if (res.ok) return res;
    if (res.status === 401 && attempt < 3) {
      const reason = sent ? "That token was refused: enter the value of SLIPWAY_API_TOKEN." : "This slipway wants its API token (SLIPWAY_API_TOKEN).";
      // Another call may have stored a token meanwhile: try that first.
      if (token() !== sent) continue;
      if (await promptOnce(reason)) continue;
      throw new ApiError(401, "UNAUTHORIZED", "an API token is needed: use “API token” at the top to enter it");
    }
    throw await errorOf(res);
  }
}

/** The error in either shape the page meets: the projector's `{error:{code,message}}`, ingress's `{status:"error",code,message}`. */
async function errorOf(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON: a proxy's page, say.
  }
  const code = body?.error?.code ?? body?.code ?? `HTTP_${res.status}`;
  const message = body?.error?.message ?? body?.message ?? `${res.status} ${res.statusText}`;
  return new ApiError(res.status, code, message);
}

/** GET a JSON answer; `asOfSeq` is the `Slipway-As-Of-Seq` header of time-travel answers. */
export async function getJson(path, init = {}) {
  const res = await request(path, init);
  const body = await res.json();
  const asOf = res.headers.get("slipway-as-of-seq");
  return { body, asOfSeq: asOf === null ? null : Number(asOf) };
}

/** A path with its query: `withQuery("/builds", { status: "failed", repo: "" })` -> `/builds?status=failed`. */
export function withQuery(path, query) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** A build control call (forwarded to ingress): 202 `{status:"accepted", ...}` or ApiError. */
export async function control(path, body) {
  const headers = {};
  const user = storedUser();
  if (user) headers["x-slipway-user"] = user;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await request(path, { method: "POST", headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return res.json();
}
