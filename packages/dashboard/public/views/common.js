/** Pieces every view uses: status badges, build rows, errors that say what to do, empty states. */
import { h, relativeTime } from "../dom.js";
import { buildDuration, DELIVERY_STATUS, formatDuration, formatRelative, shortSha, STATUS } from "../format.js";

/** Status as text and icon, the colour only on top: readable without colour. */
export function statusBadge(status) {
  const s = STATUS[status] ?? { label: status, icon: "?" };
  return h("span", { class: `status status-${status}`, dataset: { status } }, h("span", { class: "icon", "aria-hidden": "true" }, s.icon), " ", s.label);
}

export function deliveryBadge(status) {
  const s = DELIVERY_STATUS[status] ?? { label: status, icon: "?" };
  return h("span", { class: `status delivery-${status}` }, h("span", { class: "icon", "aria-hidden": "true" }, s.icon), " ", s.label);
}

/** The columns of a builds table. */
export const BUILD_COLUMNS = ["Status", "Build", "Branch", "Commit", "Dockerfile → image", "Duration", "Queued"];

/** A `<table>` of builds; `tbody` is filled with `buildRow`s. */
export function buildsTable(caption) {
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "builds" },
    h("caption", { class: "sr-only" }, caption),
    h("thead", {}, h("tr", {}, BUILD_COLUMNS.map((c) => h("th", { scope: "col" }, c)))),
    tbody,
  );
  return { table, tbody };
}

/** One build as a table row; `asOf` links to the build as it was then. */
export function buildRow(b, { asOf = null } = {}) {
  const href = `#/builds/${encodeURIComponent(b.id)}${asOf === null ? "" : `?asOf=${asOf}`}`;
  const duration = buildDuration(b, Date.now());
  return h(
    "tr",
    { dataset: { buildId: b.id, status: b.status } },
    h("td", {}, statusBadge(b.status)),
    h("td", {}, h("a", { href, class: "build-link" }, b.repo || b.repoName || "(unknown repo)", " ", h("span", { class: "muted" }, `#${b.buildNumber}`))),
    h("td", {}, b.branch ?? h("span", { class: "muted" }, "—")),
    h("td", {}, h("code", { title: b.sha }, shortSha(b.sha))),
    h("td", {}, h("span", { class: "dockerfile" }, b.dockerfile || "—"), h("span", { class: "muted", "aria-hidden": "true" }, " → "), h("span", { class: "sr-only" }, " builds "), h("code", { class: "image" }, b.image || "—")),
    h("td", b.status === "running" && b.startedAt ? { dataset: { runningSince: b.startedAt } } : {}, formatDuration(duration)),
    h("td", {}, relativeTime(b.queuedAt, formatRelative)),
  );
}

/** An error box that says what happened and what to do; `retry` adds a button. */
export function errorBox(err, { retry, what = "This page could not be loaded" } = {}) {
  const hint = hintFor(err);
  return h(
    "div",
    { class: "error-box", role: "alert" },
    h("p", {}, h("strong", {}, `${what}: `), err?.message ?? String(err)),
    hint ? h("p", { class: "small" }, hint) : null,
    retry ? h("button", { type: "button", onclick: retry }, "Try again") : null,
  );
}

function hintFor(err) {
  switch (err?.code) {
    case "NETWORK":
      return "Start slipway with npm start, or check that this page's address is the projector's (SLIPWAY_PROJECTOR_PORT, default 5000).";
    case "UNAUTHORIZED":
      return "Use “API token” at the top and paste the value of SLIPWAY_API_TOKEN.";
    case "INGRESS_UNAVAILABLE":
      return "The projector forwards build actions to ingress at SLIPWAY_INGRESS_URL: start ingress, or point that setting at it.";
    case "API_DISABLED":
      return "Build actions need SLIPWAY_API_TOKEN set on ingress (and the same token here).";
    case "BAD_REQUEST":
      return "Check the filters and the address; the message names what the API refused.";
    default:
      return null;
  }
}

/** The seed's curl, as the README's first screen gives it. */
export const SEED_CURL = `curl -X POST 127.0.0.1:6000/hook \\
  -H 'Cache-Control: no-cache' -H 'Content-Type: application/json' \\
  -d '{"ref": "refs/heads/master", "repository": {"name": "fruty_docker-ci"}, "head_commit": {"id": "test"}}'`;

/** "Live" / "Reconnecting…" next to a list that follows the event stream. */
export function liveIndicator() {
  const el = h("span", { class: "live", dataset: { state: "connecting" } }, "Connecting…");
  const set = (state) => {
    el.dataset.state = state;
    el.textContent = state === "live" ? "● Live" : state === "reconnecting" ? "Reconnecting…" : state === "ended" ? "Not live: reload to follow again" : "Connecting…";
  };
  return { el, set };
}

/**
 * Calls `fn(key)` at most once per `ms` per key, the latest call winning: a burst of events about
 * one build becomes one refresh of it.
 */
export function debouncer(ms) {
  const timers = new Map();
  return (key, fn) => {
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        fn(key);
      }, ms),
    );
  };
}

/** Focuses the view's heading, so that a screen reader announces the new page. */
export function focusHeading(root) {
  const heading = root.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  }
}

/** A key-value list (`<dl>`), rows with a null value left out. */
export function facts(rows) {
  return h(
    "dl",
    { class: "facts" },
    rows.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
}
