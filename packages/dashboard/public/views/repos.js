/** Every repository and Dockerfile with its last build (`GET /repos`), kept live. */
import { getJson } from "../api.js";
import { h, relativeTime, replace } from "../dom.js";
import { buildDuration, formatDuration, formatRelative, shortSha } from "../format.js";
import { follow } from "../sse.js";
import { BUILD_EVENT_TYPES } from "./builds.js";
import { debouncer, errorBox, focusHeading, liveIndicator, SEED_CURL, statusBadge } from "./common.js";

export async function reposView(root, ctx) {
  const live = liveIndicator();
  const content = h("div", {}, h("p", { class: "muted" }, "Loading…"));
  replace(root, h("div", { class: "title-row" }, h("h1", {}, "Repos"), live.el), h("p", { class: "muted" }, "The last build of each Dockerfile of each repository."), content);
  focusHeading(root);

  const load = async () => {
    try {
      const { body } = await getJson("/repos", { signal: ctx.signal });
      replace(content, reposTable(body.repos));
    } catch (err) {
      if (err?.name !== "AbortError") replace(content, errorBox(err, { retry: load, what: "The repositories could not be loaded" }));
    }
  };
  const refresh = debouncer(500);
  void follow(`/events/stream?type=${BUILD_EVENT_TYPES.join(",")}`, { signal: ctx.signal, onState: live.set, onEvent: () => refresh("repos", load) });
  await load();
}

function reposTable(repos) {
  if (repos.length === 0) {
    return h("div", { class: "empty" }, h("h2", {}, "No repositories yet"), h("p", {}, "A repository shows up here with its first build. The seed's webhook makes one:"), h("pre", { class: "command" }, h("code", {}, SEED_CURL)));
  }
  return h(
    "table",
    { class: "repos" },
    h("caption", { class: "sr-only" }, "Repositories and their Dockerfiles, with the last build of each"),
    h("thead", {}, h("tr", {}, ["Repository", "Dockerfile", "Last build", "Branch", "Commit", "Duration", "Queued"].map((c) => h("th", { scope: "col" }, c)))),
    h(
      "tbody",
      {},
      repos.flatMap((r) =>
        r.dockerfiles.map((d, i) =>
          h(
            "tr",
            { dataset: { repo: r.repo, dockerfile: d.dockerfile } },
            i === 0 ? h("th", { scope: "rowgroup", rowspan: String(r.dockerfiles.length) }, h("a", { href: `#/?repo=${encodeURIComponent(r.repo)}` }, r.repo)) : null,
            h("td", {}, h("code", {}, d.dockerfile)),
            h("td", {}, h("a", { href: `#/builds/${encodeURIComponent(d.lastBuild.id)}`, "aria-label": `build #${d.lastBuild.buildNumber}, ${d.lastBuild.status}` }, statusBadge(d.lastBuild.status), " ", h("span", { class: "muted" }, `#${d.lastBuild.buildNumber}`))),
            h("td", {}, d.lastBuild.branch ?? "—"),
            h("td", {}, h("code", { title: d.lastBuild.sha }, shortSha(d.lastBuild.sha))),
            h("td", {}, formatDuration(buildDuration(d.lastBuild, Date.now()))),
            h("td", {}, relativeTime(d.lastBuild.queuedAt, formatRelative)),
          ),
        ),
      ),
    ),
  );
}
