/**
 * Webhook deliveries: the list (`GET /deliveries`), and one delivery with its builds, or why
 * nothing ran (`GET /deliveries/<id>`), both kept live from the event stream.
 */
import { getJson, withQuery } from "../api.js";
import { h, relativeTime, replace } from "../dom.js";
import { DELIVERY_STATUS, formatRelative, lastSeq, shortSha } from "../format.js";
import { follow } from "../sse.js";
import { buildRow, buildsTable, debouncer, deliveryBadge, errorBox, facts, focusHeading, liveIndicator, SEED_CURL } from "./common.js";

const PAGE = 50;

/** What to do about each reason `nothingRan` gives. */
const NOTHING_RAN_HELP = {
  ignored: "Ingress built nothing on purpose: a deleted branch, a branch or tag outside SLIPWAY_BRANCHES / SLIPWAY_TAGS, tags off (SLIPWAY_BUILD_TAGS), or [skip ci] in the commit message. Push again without it, or change the filter.",
  sync_failed: "git-sync could not fetch the commit or read it: check SLIPWAY_GIT_URL and its credentials, and that the commit exists; then push again or use New build.",
  no_dockerfile: "The commit has no Dockerfile* in the repository's root: add one (Dockerfile, Dockerfile_test, ...) and push.",
  waiting: "It is on its way: git-sync has not reported yet, or its builds are not queued yet. If it stays here, check that git-sync and the builders run.",
};

export async function deliveryView(root, ctx) {
  const id = ctx.params.id;
  const path = `/deliveries/${encodeURIComponent(id)}`;
  const live = liveIndicator();
  const content = h("div", {}, h("p", { class: "muted" }, "Loading…"));
  replace(root, h("div", { class: "title-row" }, h("h1", {}, "Delivery ", h("code", {}, id)), live.el), content);
  focusHeading(root);

  let wantSeq = 0;
  let attempts = 0;
  const load = async () => {
    for (let tries = 0; tries < 15 && !ctx.signal.aborted; tries++) {
      try {
        const { body } = await getJson(path, { signal: ctx.signal });
        replace(content, deliveryDetail(body));
        if (lastSeq(body) >= wantSeq) return;
      } catch (err) {
        if (err?.name === "AbortError") return;
        // A delivery just requested (New build) may not be in the view yet.
        if (err?.code !== "DELIVERY_NOT_FOUND" || ++attempts > 15) {
          replace(content, errorBox(err, { what: err?.code === "DELIVERY_NOT_FOUND" ? "No such delivery" : "The delivery could not be loaded", retry: load }));
          return;
        }
      }
      await new Promise((r) => setTimeout(r, 200 + tries * 100));
    }
  };
  const refresh = debouncer(150);
  void follow(withQuery("/events/stream", { delivery: id }), {
    signal: ctx.signal,
    onState: live.set,
    onEvent: (e) => {
      wantSeq = Math.max(wantSeq, Number(e.id) || 0);
      refresh("delivery", load);
    },
  });
  await load();
}

function deliveryDetail(d) {
  const { table, tbody } = buildsTable("Builds of this delivery, newest first");
  for (const b of d.builds) tbody.append(buildRow(b));
  return h(
    "div",
    {},
    facts([
      ["Status", deliveryBadge(d.status)],
      ["Repository", h("a", { href: `#/?repo=${encodeURIComponent(d.repo)}` }, d.repo)],
      ["Ref", h("code", {}, d.ref)],
      ["Commit", d.sha ? h("code", {}, d.sha) : d.requestedSha ? h("span", {}, h("code", {}, d.requestedSha), h("span", { class: "muted" }, " (as pushed; not resolved yet)")) : h("span", { class: "muted" }, "the tip of the ref")],
      ["Pushed by", d.pusher],
      ["Received", relativeTime(d.receivedAt, formatRelative)],
      ["Dockerfiles", d.dockerfiles.length > 0 ? d.dockerfiles.join(", ") : null],
      ["Error", d.error ? h("span", { class: "error-text" }, `${d.error.code}: ${d.error.message}`) : null],
    ]),
    d.nothingRan
      ? h(
          "div",
          { class: d.nothingRan.reason === "waiting" ? "empty" : "warning-box" },
          h("h2", {}, d.nothingRan.reason === "waiting" ? "No builds yet" : "Nothing ran"),
          h("p", {}, d.nothingRan.message),
          h("p", { class: "small" }, NOTHING_RAN_HELP[d.nothingRan.reason] ?? ""),
        )
      : h("section", {}, h("h2", {}, "Builds"), table, d.buildsNextCursor ? h("p", {}, h("a", { href: `#/?delivery=${encodeURIComponent(d.deliveryId)}` }, "More builds of this delivery")) : null),
    h("section", {}, h("h2", {}, "Events"), h("ol", { class: "timeline" }, d.events.map((e) => h("li", {}, h("strong", {}, e.type), " ", h("span", { class: "muted small" }, `#${e.seq} · `, relativeTime(e.time, formatRelative)))))),
  );
}

/** Every delivery, newest first: what came in and what became of it. */
export async function deliveriesView(root, ctx) {
  const filters = { repo: ctx.query.repo ?? "", status: ctx.query.status ?? "" };
  const live = liveIndicator();
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "deliveries" },
    h("caption", { class: "sr-only" }, "Webhook deliveries, newest first"),
    h("thead", {}, h("tr", {}, ["Status", "Repository", "Ref", "Commit", "Pushed by", "Received"].map((c) => h("th", { scope: "col" }, c)))),
    tbody,
  );
  const more = h("button", { type: "button", hidden: true }, "Load more");
  const status = h("div");
  const statusSelect = h("select", { id: "delivery-status" }, h("option", { value: "" }, "any"), Object.entries(DELIVERY_STATUS).map(([v, s]) => h("option", { value: v, selected: v === filters.status }, s.label)));
  const repoInput = h("input", { id: "delivery-repo", type: "search", value: filters.repo, placeholder: "owner/name", spellcheck: "false" });
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter deliveries" },
    h("div", {}, h("label", { for: "delivery-repo" }, "Repo"), repoInput),
    h("div", {}, h("label", { for: "delivery-status" }, "Status"), statusSelect),
    h("div", { class: "filter-buttons" }, h("button", { type: "submit" }, "Filter")),
  );
  const apply = () => ctx.navigate(`#/deliveries${withQuery("", { repo: repoInput.value.trim(), status: statusSelect.value })}`);
  form.addEventListener("submit", (e) => (e.preventDefault(), apply()));
  statusSelect.addEventListener("change", apply);
  replace(root, h("div", { class: "title-row" }, h("h1", {}, "Deliveries"), live.el), form, status, table, h("p", {}, more));
  focusHeading(root);

  const rows = new Map();
  let cursor = null;
  const row = (d) =>
    h(
      "tr",
      { dataset: { deliveryId: d.deliveryId } },
      h("td", {}, deliveryBadge(d.status)),
      h("td", {}, h("a", { href: `#/deliveries/${encodeURIComponent(d.deliveryId)}` }, d.repo)),
      h("td", {}, h("code", {}, d.ref)),
      h("td", {}, h("code", { title: d.sha ?? d.requestedSha ?? "" }, shortSha(d.sha ?? d.requestedSha))),
      h("td", {}, d.pusher ?? h("span", { class: "muted" }, "—")),
      h("td", {}, relativeTime(d.receivedAt, formatRelative)),
    );
  const put = (d, top) => {
    if ((filters.repo && d.repo !== filters.repo) || (filters.status && d.status !== filters.status)) {
      rows.get(d.deliveryId)?.remove();
      rows.delete(d.deliveryId);
      return;
    }
    const r = row(d);
    const old = rows.get(d.deliveryId);
    if (old) old.replaceWith(r);
    else if (top) tbody.prepend(r);
    else tbody.append(r);
    rows.set(d.deliveryId, r);
  };
  const showEmpty = () => {
    table.hidden = rows.size === 0;
    replace(status, rows.size > 0 ? null : h("div", { class: "empty" }, h("p", {}, "No deliveries yet. A webhook, such as the seed's, makes one:"), h("pre", { class: "command" }, h("code", {}, SEED_CURL))));
  };
  const loadPage = async () => {
    try {
      const { body } = await getJson(withQuery("/deliveries", { ...filters, limit: PAGE, cursor: cursor ?? undefined }), { signal: ctx.signal });
      for (const d of body.deliveries) if (!rows.has(d.deliveryId)) put(d, false);
      cursor = body.nextCursor;
      more.hidden = cursor === null;
      showEmpty();
    } catch (err) {
      if (err?.name !== "AbortError") replace(status, errorBox(err, { retry: loadPage, what: "The deliveries could not be loaded" }));
    }
  };
  more.addEventListener("click", () => void loadPage());
  const refresh = debouncer(200);
  void follow(withQuery("/events/stream", { type: "WebhookReceived,WebhookIgnored,RepoUpdated,RepoSyncFailed", repo: filters.repo }), {
    signal: ctx.signal,
    onState: live.set,
    onEvent: (e) => {
      let event;
      try {
        event = JSON.parse(e.data);
      } catch {
        return;
      }
      const deliveryId = event?.correlationId;
      if (typeof deliveryId !== "string") return;
      refresh(deliveryId, async () => {
        for (let tries = 0; tries < 10 && !ctx.signal.aborted; tries++) {
          try {
            const { body } = await getJson(`/deliveries/${encodeURIComponent(deliveryId)}`, { signal: ctx.signal });
            if (lastSeq(body) >= Number(e.id)) {
              const { builds: _b, buildsNextCursor: _c, nothingRan: _n, ...delivery } = body;
              put(delivery, true);
              showEmpty();
              return;
            }
          } catch (err) {
            if (err?.name === "AbortError") return;
          }
          await new Promise((r) => setTimeout(r, 150 + tries * 100));
        }
      });
    },
  });
  await loadPage();
}
