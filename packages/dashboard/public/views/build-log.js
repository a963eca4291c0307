/**
 * The log panel of a build page. A finished build's log is read from the file, its tail first
 * (`Range: bytes=-262144`), earlier parts on demand; a running build's log comes live from
 * `GET /builds/<id>/log/stream` (resumed after a drop with `Last-Event-ID`) until its verdict.
 */
import { ApiError, request } from "../api.js";
import { h } from "../dom.js";
import { parseContentRange } from "../format.js";
import { splitRange } from "../log-lines.js";
import { LogView } from "../log-view.js";
import { follow } from "../sse.js";

/** Bytes per read of the file: the tail, and each "Load earlier". */
export const CHUNK_BYTES = 256 * 1024;
const MAX_LINES = 5000;
const EMPTY = new Uint8Array(0);

/**
 * @param {string} buildId
 * @param {{ signal: AbortSignal, onVerdict: (event: object) => void, onError: (err: Error) => void }} o
 */
export function logPanel(buildId, o) {
  const path = `/builds/${encodeURIComponent(buildId)}/log`;
  const scroller = h("div", { class: "log", role: "log", "aria-label": "Build log", "aria-live": "off", tabindex: "0" });
  const followBox = h("input", { type: "checkbox", id: "log-follow", checked: true });
  const earlier = h("button", { type: "button", hidden: true }, "Load earlier");
  const end = h("button", { type: "button", hidden: true }, "Show the end");
  const download = h("button", { type: "button" }, "Download the whole log");
  const info = h("p", { class: "small muted log-info", "aria-live": "polite" });
  const stateText = h("span", { class: "small muted" });
  const el = h(
    "section",
    { class: "log-panel", "aria-labelledby": "log-heading" },
    h("div", { class: "title-row" }, h("h2", { id: "log-heading" }, "Log"), stateText),
    h("div", { class: "log-toolbar" }, earlier, end, h("label", { for: "log-follow", class: "inline" }, followBox, " Follow the end"), download),
    info,
    scroller,
  );
  const view = new LogView(scroller, { maxLines: MAX_LINES, onFollowChange: (on) => (followBox.checked = on) });
  followBox.addEventListener("change", () => {
    if (!followBox.checked) view.setFollowing(false);
    // The end was set aside while reading back: read it again first.
    else if (view.droppedAfter > 0) void loadTail().catch((err) => err?.name !== "AbortError" && o.onError(err));
    else view.follow();
  });

  /** Reading the file backwards: where the next "Load earlier" ends, and the cut line's start. */
  let file = null;
  let live = false;

  const showInfo = () => {
    const parts = [];
    if (file?.more) parts.push("Earlier lines are in the file: “Load earlier” reads them.");
    else if (live && view.droppedBefore > 0) parts.push(`${view.droppedBefore.toLocaleString()} earlier lines are not shown, to keep the page fast; “Load earlier” works once the build has ended, “Download” has them all now.`);
    if (view.droppedAfter > 0) parts.push("Later lines were set aside while reading back: “Show the end” brings them back.");
    info.textContent = parts.join(" ");
    earlier.hidden = !file?.more;
    end.hidden = view.droppedAfter === 0;
  };

  const readRange = async (range) => {
    const res = await request(path, { headers: { range: range }, signal: o.signal, cache: "no-store" });
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (res.status === 206) {
      const r = parseContentRange(res.headers.get("content-range"));
      if (r === null) throw new Error("the projector sent a part of the log without saying which");
      return { bytes, start: r.start, size: r.size };
    }
    return { bytes, start: 0, size: bytes.length };
  };

  /** Shows the file's last lines; resolves with the last line shown. */
  const loadTail = async () => {
    const { bytes, start } = await readRange(`bytes=-${CHUNK_BYTES}`);
    const r = splitRange(bytes, start, EMPTY, { tail: true, maxLines: MAX_LINES });
    view.clear();
    view.appendLines(r.lines);
    view.flush();
    view.follow();
    file = r;
    showInfo();
    return r.lines[r.lines.length - 1] ?? null;
  };

  const loadEarlier = async () => {
    if (!file?.more) return;
    earlier.disabled = true;
    try {
      // A line longer than a chunk takes several reads before it shows.
      for (let reads = 0; reads < 64 && file.more; reads++) {
        const from = Math.max(0, file.next - CHUNK_BYTES);
        const { bytes, start } = await readRange(`bytes=${from}-${file.next - 1}`);
        const r = splitRange(bytes, start, file.carry, { tail: false, maxLines: MAX_LINES });
        file = r;
        if (r.lines.length > 0) {
          view.prependLines(r.lines);
          break;
        }
      }
      showInfo();
    } catch (err) {
      if (err?.name !== "AbortError") o.onError(err);
    } finally {
      earlier.disabled = false;
    }
  };
  earlier.addEventListener("click", () => void loadEarlier());
  end.addEventListener("click", () => void loadTail().catch((err) => err?.name !== "AbortError" && o.onError(err)));

  download.addEventListener("click", async () => {
    download.disabled = true;
    try {
      const res = await request(path, { signal: o.signal, cache: "no-store" });
      const url = URL.createObjectURL(await res.blob());
      const a = h("a", { href: url, download: `${buildId}.log`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      if (err?.name !== "AbortError") o.onError(err);
    } finally {
      download.disabled = false;
    }
  });

  /** After a live build ended with more lines than the page keeps: the file's tail, once it has the last line seen live. */
  const switchToFile = async (lastLive) => {
    for (let tries = 0; tries < 20 && !o.signal.aborted; tries++) {
      const last = await loadTail().catch(() => null);
      if (last === lastLive || lastLive === null) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const followLive = () => {
    live = true;
    stateText.textContent = "live";
    let attempt = 0;
    let ignoring = false;
    let lastLine = null;
    void follow(`${path}/stream`, {
      signal: o.signal,
      onState: (s) => {
        if (s === "reconnecting") stateText.textContent = "reconnecting…";
        else if (s === "live") stateText.textContent = "live";
      },
      onError: (err) => o.onError(err),
      onEvent: (e) => {
        if (e.event === "attempt") {
          const next = Number(JSON.parse(e.data).attempt);
          // A newer attempt starts the log again; a late chunk of an older one is not part of it.
          if (next > attempt) {
            if (attempt > 0) {
              view.clear();
              view.appendNote(`attempt ${next}: the builder started again, and so does the log`);
            }
            attempt = next;
          }
          ignoring = next < attempt;
        } else if (e.event === "log") {
          if (ignoring) return;
          view.appendText(e.data);
          const lines = e.data.split("\n").filter((l) => l !== "");
          if (lines.length > 0) lastLine = lines[lines.length - 1];
          if (view.droppedBefore > 0 && info.textContent === "") showInfo();
        } else if (e.event === "verdict") {
          live = false;
          stateText.textContent = "";
          view.flush();
          try {
            o.onVerdict(JSON.parse(e.data));
          } catch {
            // The build's record says it too.
          }
          if (view.droppedBefore > 0) void switchToFile(lastLine);
          showInfo();
          return "stop";
        }
        return undefined;
      },
    });
  };

  /** Starts: the file for a finished build (live when it has no file yet), else live. */
  const start = async (finished) => {
    if (finished) {
      try {
        await loadTail();
        return;
      } catch (err) {
        if (err?.name === "AbortError") return;
        if (!(err instanceof ApiError && err.status === 404)) {
          o.onError(err);
          return;
        }
        // No file (yet): the stream replays the log from NATS and ends with the verdict.
      }
    }
    followLive();
  };

  return { el, start, view };
}
