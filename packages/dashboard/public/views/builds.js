/**
 * The builds list: newest first, filtered by repo, status and branch, a page at a time ("Load
 * more" follows `nextCursor`), and live: every build event on `GET /events/stream` refreshes that
 * build's row from `GET /builds/<id>`. No polling, no reload.
 */
import { getJson, withQuery } from "../api.js";
import { copyButton, h, replace } from "../dom.js";
import { compareBuilds, lastSeq, matchesFilters, STATUS } from "../format.js";
import { follow } from "../sse.js";
import { buildRow, buildsTable, debouncer, errorBox, focusHeading, liveIndicator, SEED_CURL } from "./common.js";

const PAGE = 50;
/** Every event that changes a build's row. */
export const BUILD_EVENT_TYPES = ["BuildQueued", "BuildStarted", "ImageBuilt", "ImagePushed", "BuildFailed", "BuildCancelled", "BuildHandedBack"];

export async function buildsView(root, ctx) {
  // `delivery` comes only from links (a delivery with more builds than its page shows).
  const filters = { repo: ctx.query.repo ?? "", status: ctx.query.status ?? "", branch: ctx.query.branch ?? "", delivery: ctx.query.delivery ?? "" };
  const live = liveIndicator();
  const heading = h("h1", {}, "Builds");
  const form = filterForm(filters, (next) => ctx.navigate(`#/${queryString(next)}`));
  const { table, tbody } = buildsTable("Builds, newest first");
  const more = h("button", { type: "button", hidden: true }, "Load more");
  const status = h("div", { class: "list-status" });
  const body = h("div", {}, table);
  const deliveryNote = filters.delivery ? h("p", {}, "Builds of delivery ", h("a", { href: `#/deliveries/${encodeURIComponent(filters.delivery)}` }, h("code", {}, filters.delivery)), ". ", h("a", { href: "#/" }, "Every build")) : null;
  replace(root, h("div", { class: "title-row" }, heading, live.el), form, deliveryNote, status, body, h("p", {}, more));
  focusHeading(root);

  /** Rows by build id, in the table's order. */
  const rows = new Map();
  let nextCursor = null;
  let loaded = false;

  const put = (build) => {
    const old = rows.get(build.id);
    if (!matchesFilters(build, filters)) {
      old?.row.remove();
      rows.delete(build.id);
      if (old) showEmpty();
      return;
    }
    const row = buildRow(build);
    if (old) {
      old.row.replaceWith(row);
      rows.set(build.id, { build, row });
      return;
    }
    // A build older than the last row loaded belongs to a later page: "Load more" brings it.
    const all = [...rows.values()];
    const lastShown = all[all.length - 1];
    if (nextCursor !== null && lastShown && compareBuilds(build, lastShown.build) > 0) return;
    const before = all.find((r) => compareBuilds(build, r.build) < 0);
    if (before) before.row.before(row);
    else tbody.append(row);
    rows.set(build.id, { build, row });
    // Keep the map in table order for the "last shown" check.
    const ordered = [...rows.entries()].sort((a, b) => compareBuilds(a[1].build, b[1].build));
    rows.clear();
    for (const [k, v] of ordered) rows.set(k, v);
    showEmpty();
  };

  const showEmpty = () => {
    if (!loaded) return;
    if (rows.size > 0) {
      table.hidden = false;
      replace(status);
      return;
    }
    table.hidden = true;
    const filtered = Object.values(filters).some((v) => v !== "");
    replace(status, filtered ? h("div", { class: "empty" }, h("p", {}, "No builds match these filters. "), h("p", {}, h("a", { href: "#/" }, "Show every build"))) : emptyState());
  };

  const loadPage = async () => {
    more.disabled = true;
    try {
      const { body } = await getJson(withQuery("/builds", { ...filters, limit: PAGE, cursor: nextCursor ?? undefined }), { signal: ctx.signal });
      nextCursor = body.nextCursor;
      for (const b of body.builds) if (!rows.has(b.id)) put(b);
      loaded = true;
      more.hidden = nextCursor === null;
      showEmpty();
    } catch (err) {
      if (err?.name === "AbortError") return;
      replace(status, errorBox(err, { retry: () => loadPage(), what: "The builds could not be loaded" }));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", () => void loadPage());

  // Open the stream first: an event stored after it opened is in it, one stored before is in the first page.
  const refresh = debouncer(150);
  const wanted = new Map();
  /** Fetches a build until the view has applied the event that named it (the view may lag the stream). */
  const refreshBuild = async (id) => {
    const seq = wanted.get(id) ?? 0;
    for (let tries = 0; tries < 20 && !ctx.signal.aborted; tries++) {
      try {
        const { body } = await getJson(`/builds/${encodeURIComponent(id)}`, { signal: ctx.signal });
        if (lastSeq(body) >= seq || tries === 19) {
          const { events: _events, ...summary } = body;
          put(summary);
          return;
        }
      } catch (err) {
        if (err?.name === "AbortError") return;
        if (err?.status !== 404) return;
      }
      await new Promise((r) => setTimeout(r, 100 + tries * 100));
    }
  };
  let opened;
  const ready = new Promise((resolve) => (opened = resolve));
  void follow(withQuery("/events/stream", { type: BUILD_EVENT_TYPES.join(","), repo: filters.repo, delivery: filters.delivery }), {
    signal: ctx.signal,
    onState: (state) => {
      live.set(state);
      if (state === "live" || state === "ended") opened();
    },
    onEvent: (e) => {
      let event;
      try {
        event = JSON.parse(e.data);
      } catch {
        return;
      }
      const id = event?.data?.buildId;
      if (typeof id !== "string") return;
      wanted.set(id, Math.max(wanted.get(id) ?? 0, Number(e.id) || 0));
      refresh(id, refreshBuild);
    },
  });
  await Promise.race([ready, new Promise((r) => setTimeout(r, 3000))]);
  await loadPage();
}

function queryString(filters) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Filters as a form; each change navigates, so the address keeps them (and back works). */
export function filterForm(filters, apply) {
  const repo = h("input", { id: "filter-repo", name: "repo", type: "search", value: filters.repo, placeholder: "owner/name", list: "filter-repos", autocomplete: "off", spellcheck: "false" });
  const branch = h("input", { id: "filter-branch", name: "branch", type: "search", value: filters.branch, placeholder: "main", autocomplete: "off", spellcheck: "false" });
  const status = h(
    "select",
    { id: "filter-status", name: "status" },
    h("option", { value: "" }, "any"),
    Object.entries(STATUS).map(([value, s]) => h("option", { value, selected: value === filters.status }, s.label)),
  );
  const datalist = h("datalist", { id: "filter-repos" });
  void getJson("/repos").then(({ body }) => replace(datalist, body.repos.map((r) => h("option", { value: r.repo }))), () => undefined);
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter builds" },
    h("div", {}, h("label", { for: "filter-repo" }, "Repo"), repo, datalist),
    h("div", {}, h("label", { for: "filter-status" }, "Status"), status),
    h("div", {}, h("label", { for: "filter-branch" }, "Branch"), branch),
    h("div", { class: "filter-buttons" }, h("button", { type: "submit" }, "Filter"), h("button", { type: "reset" }, "Clear")),
  );
  const read = () => ({ repo: repo.value.trim(), status: status.value, branch: branch.value.trim() });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    apply(read());
  });
  status.addEventListener("change", () => apply(read()));
  form.addEventListener("reset", (e) => {
    e.preventDefault();
    apply({ repo: "", status: "", branch: "" });
  });
  return form;
}

/** No builds at all yet: what to run to see one. */
function emptyState() {
  return h(
    "div",
    { class: "empty" },
    h("h2", {}, "No builds yet"),
    h("p", {}, "Send the seed's webhook to ingress and the build shows up here by itself, with its log as it runs:"),
    h("pre", { class: "command" }, h("code", {}, SEED_CURL)),
    h("p", {}, copyButton(SEED_CURL, "Copy the command")),
    h("p", {}, "Or point a GitHub webhook (push events, application/json) at ", h("code", {}, "http://<this host>:6000/hook"), ", or use ", h("strong", {}, "New build"), " at the top for a repository git-sync can reach (", h("code", {}, "SLIPWAY_GIT_URL"), ")."),
  );
}
