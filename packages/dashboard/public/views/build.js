/**
 * One build: status, image with every tag and the digest, timings per stage, the events that made
 * it, its log (live while it runs), and the actions: retry a finished build, cancel a running one.
 * With `?asOf=<seq>` it is the build as it was then, read-only.
 */
import { control, getJson, withQuery } from "../api.js";
import { copyButton, h, relativeTime, replace } from "../dom.js";
import { formatDuration, formatRelative, imageRef, isTerminal, lastSeq, STATUS, stageTimings } from "../format.js";
import { follow } from "../sse.js";
import { logPanel } from "./build-log.js";
import { debouncer, errorBox, facts, focusHeading, statusBadge } from "./common.js";

/** Words for the events of a build's timeline. */
const EVENT_WORDS = {
  BuildQueued: "queued",
  BuildStarted: "started on a builder",
  ImageBuilt: "image built",
  ImagePushed: "pushed to the registry",
  BuildFailed: "failed",
  BuildCancelRequested: "cancel requested",
  BuildCancelled: "cancelled",
  BuildHandedBack: "handed back by a stopping builder",
};

export async function buildView(root, ctx) {
  const id = ctx.params.id;
  const asOf = ctx.query.asOf ?? null;
  const recordPath = withQuery(`/builds/${encodeURIComponent(id)}`, { asOf });
  replace(root, h("h1", {}, "Build ", h("code", {}, id)), h("p", { class: "muted" }, "Loading…"));

  let build = await firstLoad(root, recordPath, ctx, asOf === null);
  if (build === null) return;

  const heading = h("h1");
  const announce = h("p", { class: "sr-only", role: "status" });
  const badge = h("div", { class: "big-status" });
  const actions = h("div", { class: "actions" });
  const summary = h("div");
  const stages = h("div");
  const timeline = h("div");
  const errors = h("div");
  replace(
    root,
    asOf === null ? null : h("p", { class: "as-of" }, `As it was at stream sequence ${asOf} (read-only). `, h("a", { href: `#/builds/${encodeURIComponent(id)}` }, "See it now")),
    h("div", { class: "title-row" }, heading, badge),
    announce,
    actions,
    errors,
    h("div", { class: "columns" }, h("section", { "aria-labelledby": "summary-heading" }, h("h2", { id: "summary-heading" }, "Image"), summary), h("section", { "aria-labelledby": "stages-heading" }, h("h2", { id: "stages-heading" }, "Timings"), stages)),
  );

  const showError = (err, what) => replace(errors, errorBox(err, { what }));

  const update = (next) => {
    const statusChanged = build.status !== next.status;
    build = next;
    replace(heading, build.repo || build.repoName || "Build", " ", h("span", { class: "muted" }, `#${build.buildNumber}`), " ", h("span", { class: "dockerfile" }, build.dockerfile));
    replace(badge, statusBadge(build.status));
    if (statusChanged) announce.textContent = `Build ${STATUS[build.status]?.label ?? build.status}`;
    replace(summary, imageFacts(build));
    replace(stages, stageTable(build));
    replace(timeline, eventTimeline(build));
    if (asOf === null) replace(actions, actionButtons(build, ctx, showError));
  };
  update(build);
  root.append(h("section", { "aria-labelledby": "timeline-heading" }, h("h2", { id: "timeline-heading" }, "Events"), timeline));
  focusHeading(root);
  if (asOf !== null) {
    root.append(h("p", { class: "muted" }, "The log is the file as it is now: ", h("a", { href: `#/builds/${encodeURIComponent(id)}` }, "open the build now"), " to read it."));
    return;
  }

  // The record refreshes on each of its events (the view may lag the stream: wait for it).
  let wantSeq = 0;
  const refresh = debouncer(100);
  const reload = async () => {
    for (let tries = 0; tries < 20 && !ctx.signal.aborted; tries++) {
      try {
        const { body } = await getJson(recordPath, { signal: ctx.signal });
        update(body);
        if (lastSeq(body) >= wantSeq) return;
      } catch (err) {
        if (err?.name === "AbortError") return;
      }
      await new Promise((r) => setTimeout(r, 100 + tries * 100));
    }
  };
  void follow(withQuery("/events/stream", { build: id }), {
    signal: ctx.signal,
    onEvent: (e) => {
      wantSeq = Math.max(wantSeq, Number(e.id) || 0);
      refresh("build", reload);
    },
  });
  // Stages of a running build tick on with the clock.
  const tick = setInterval(() => {
    if (!isTerminal(build.status)) replace(stages, stageTable(build));
  }, 1000);
  ctx.signal.addEventListener("abort", () => clearInterval(tick), { once: true });

  const log = logPanel(id, {
    signal: ctx.signal,
    onVerdict: () => refresh("build", reload),
    onError: (err) => showError(err, "The log could not be read"),
  });
  root.append(log.el);
  await log.start(isTerminal(build.status));
}

/** The first read; a build just requested (a retry) may not be in the view yet: wait a little. */
async function firstLoad(root, path, ctx, wait) {
  for (let tries = 0; ; tries++) {
    try {
      return (await getJson(path, { signal: ctx.signal })).body;
    } catch (err) {
      if (err?.name === "AbortError") return null;
      if (wait && err?.code === "BUILD_NOT_FOUND" && tries < 15) {
        await new Promise((r) => setTimeout(r, 200 + tries * 100));
        continue;
      }
      const what = err?.code === "BUILD_NOT_FOUND" ? "No such build" : "The build could not be loaded";
      replace(root, h("h1", {}, "Build ", h("code", {}, ctx.params.id)), errorBox(err, { what, retry: () => ctx.navigate(location.hash) }), h("p", {}, h("a", { href: "#/" }, "All builds")));
      return null;
    }
  }
}

function imageFacts(b) {
  return facts([
    ["Image", b.image ? h("code", {}, b.image) : null],
    ["Tags", b.tags.length > 0 ? h("ul", { class: "tags" }, b.tags.map((t) => h("li", {}, h("code", {}, imageRef(b.image, t))))) : h("span", { class: "muted" }, "none yet")],
    ["Digest", b.digest ? h("span", {}, h("code", { class: "digest" }, b.digest), " ", copyButton(`${b.image}@${b.digest}`, "Copy image@digest"), " ", h("a", { href: `#/provenance?image=${encodeURIComponent(b.image)}&digest=${encodeURIComponent(b.digest)}` }, "Provenance")) : h("span", { class: "muted" }, b.status === "succeeded" ? "—" : "after the push")],
    ["Commit", h("span", {}, h("code", {}, b.sha || "—"), b.branch ? [" on ", h("code", {}, b.branch)] : null)],
    ["Dockerfile", b.dockerfile ? h("code", {}, b.dockerfile) : null],
    ["Delivery", h("a", { href: `#/deliveries/${encodeURIComponent(b.deliveryId)}` }, b.deliveryId)],
    ["Attempts", b.attempts > 1 ? String(b.attempts) : null],
    ["Queued", relativeTime(b.queuedAt, formatRelative)],
    ["Finished", b.finishedAt ? relativeTime(b.finishedAt, formatRelative) : null],
    ["Error", b.error ? h("span", { class: "error-text" }, `${b.error.stage}: ${b.error.message}`, " ", h("code", { class: "muted" }, b.error.code)) : null],
  ]);
}

function stageTable(b) {
  const rows = stageTimings(b, Date.now());
  const total = typeof b.durationMs === "number" ? b.durationMs : null;
  return h(
    "table",
    { class: "stages" },
    h("caption", { class: "sr-only" }, "Time spent in each stage"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Stage"), h("th", { scope: "col" }, "Time"))),
    h(
      "tbody",
      {},
      rows.map((s) => h("tr", { class: s.running ? "running" : "" }, h("th", { scope: "row" }, s.name), h("td", {}, formatDuration(s.ms), s.running ? h("span", { class: "muted" }, " so far") : null))),
      total === null ? null : h("tr", { class: "total" }, h("th", { scope: "row" }, "build and push"), h("td", {}, formatDuration(total))),
    ),
  );
}

function eventTimeline(b) {
  const t0 = Date.parse(b.queuedAt);
  return h(
    "ol",
    { class: "timeline" },
    b.events.map((e) =>
      h(
        "li",
        {},
        h("span", { class: "offset" }, Number.isFinite(t0) ? `+${formatDuration(Date.parse(e.time) - t0)}` : ""),
        " ",
        h("strong", {}, EVENT_WORDS[e.type] ?? e.type),
        " ",
        h("code", { class: "muted" }, e.type),
        " ",
        h("span", { class: "muted small" }, `#${e.seq} · `, relativeTime(e.time, formatRelative)),
      ),
    ),
  );
}

function actionButtons(b, ctx, showError) {
  const retry = h("button", { type: "button", disabled: !isTerminal(b.status), title: isTerminal(b.status) ? "Build the same commit and Dockerfile again, as a new build" : "A build can be retried once it has ended" }, "Retry");
  const cancel = h("button", { type: "button", class: "danger", disabled: isTerminal(b.status), title: "Stop this build" }, "Cancel");
  retry.addEventListener("click", async () => {
    retry.disabled = true;
    try {
      const answer = await control(`/builds/${encodeURIComponent(b.id)}/retry`);
      ctx.notify(answer.message ?? `Retried as ${answer.buildId}`);
      ctx.navigate(`#/builds/${encodeURIComponent(answer.buildId)}`);
    } catch (err) {
      retry.disabled = false;
      showError(err, "The retry was not accepted");
    }
  });
  cancel.addEventListener("click", async () => {
    const reason = await askCancelReason();
    if (reason === null) return;
    cancel.disabled = true;
    try {
      const answer = await control(`/builds/${encodeURIComponent(b.id)}/cancel`, reason ? { reason } : undefined);
      ctx.notify(answer.message ?? "Cancel requested");
    } catch (err) {
      cancel.disabled = false;
      showError(err, "The cancel was not accepted");
    }
  });
  return [retry, " ", cancel];
}

/** The cancel form: resolves with the reason ("" for none), or null when the person kept the build. */
function askCancelReason() {
  const dialog = document.getElementById("cancel-dialog");
  const input = document.getElementById("cancel-reason");
  input.value = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm" ? input.value.trim() : null), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    input.focus();
  });
}
