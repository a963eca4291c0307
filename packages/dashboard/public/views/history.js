/**
 * Time travel: the builds list as it was at a past moment, read with the projector's `asOf`. The
 * slider walks the event stream (`asOf=<sequence>`, from 0 = before anything to the view's
 * checkpoint = now); the picker jumps to a time (`asOf=<ISO time>`). The answer's
 * `Slipway-As-Of-Seq` says which point it shows.
 */
import { getJson, withQuery } from "../api.js";
import { h, replace } from "../dom.js";
import { buildRow, buildsTable, errorBox, focusHeading } from "./common.js";

const PAGE = 50;

export async function historyView(root, ctx) {
  const { body: health } = await getJson("/healthz", { signal: ctx.signal });
  const latest = Number(health.checkpoint) || 0;
  const initial = ctx.query.asOf !== undefined && /^\d+$/.test(ctx.query.asOf) ? Math.min(Number(ctx.query.asOf), latest) : latest;

  const slider = h("input", { id: "history-seq", type: "range", min: "0", max: String(latest), step: "1", value: String(initial), "aria-describedby": "history-point" });
  const number = h("input", { id: "history-seq-number", type: "number", min: "0", max: String(latest), step: "1", value: String(initial), class: "narrow", "aria-label": "Stream sequence" });
  const picker = h("input", { id: "history-time", type: "datetime-local", step: "1" });
  const pickerGo = h("button", { type: "submit" }, "Show");
  const point = h("p", { id: "history-point", class: "as-of", "aria-live": "polite" });
  const { table, tbody } = buildsTable("Builds as they were at that point, newest first");
  const status = h("div");
  const more = h("button", { type: "button", hidden: true }, "Load more");
  const timeForm = h("form", { class: "filters", "aria-label": "Jump to a time" }, h("div", {}, h("label", { for: "history-time" }, "Moment (your local time)"), picker), h("div", { class: "filter-buttons" }, pickerGo));

  replace(
    root,
    h("h1", {}, "History"),
    h("p", { class: "muted" }, "The builds as they were at a past moment. The stream is the history: every position of it is a state the view went through."),
    h(
      "div",
      { class: "history-controls" },
      h("label", { for: "history-seq" }, "Stream position ", h("span", { class: "muted" }, `(0 = before the first event, ${latest} = now)`)),
      h("div", { class: "slider-row" }, slider, number, h("button", { type: "button", onclick: () => set(latest) }, "Now")),
    ),
    timeForm,
    point,
    status,
    table,
    h("p", {}, more),
  );
  focusHeading(root);

  let shown = null;
  let cursor = null;
  let request = 0;

  /** Shows the list at `asOf` (a sequence or an ISO time); the answer says which sequence it is. */
  const show = async (asOf, { append = false } = {}) => {
    const mine = ++request;
    if (!append) cursor = null;
    try {
      const { body, asOfSeq } = await getJson(withQuery("/builds", { asOf, limit: PAGE, cursor: append ? cursor : undefined }), { signal: ctx.signal });
      if (mine !== request && !append) return;
      const seq = asOfSeq ?? Number(asOf);
      shown = seq;
      cursor = body.nextCursor;
      if (!append) tbody.replaceChildren();
      for (const b of body.builds) tbody.append(buildRow(b, { asOf: seq }));
      slider.value = String(seq);
      number.value = String(seq);
      slider.setAttribute("aria-valuetext", `sequence ${seq} of ${latest}`);
      replace(point, `As of stream sequence ${seq} of ${latest}${seq >= latest ? " (now)" : ""}: ${tbody.childElementCount}${cursor ? "+" : ""} build${tbody.childElementCount === 1 ? "" : "s"}.`);
      table.hidden = tbody.childElementCount === 0;
      replace(status, tbody.childElementCount === 0 ? h("div", { class: "empty" }, h("p", {}, seq === 0 ? "Before the first event: no builds." : "No builds yet at that point.")) : null);
      more.hidden = cursor === null;
      history.replaceState(null, "", `#/history?asOf=${seq}`);
    } catch (err) {
      if (err?.name === "AbortError") return;
      replace(status, errorBox(err, { what: "That point could not be shown", retry: () => show(asOf) }));
    }
  };
  const set = (seq) => void show(String(Math.max(0, Math.min(latest, seq))));

  // While dragging: the label moves at once, the list follows when the hand rests.
  let timer = 0;
  slider.addEventListener("input", () => {
    number.value = slider.value;
    clearTimeout(timer);
    timer = setTimeout(() => set(Number(slider.value)), 250);
  });
  slider.addEventListener("change", () => {
    clearTimeout(timer);
    if (Number(slider.value) !== shown) set(Number(slider.value));
  });
  number.addEventListener("change", () => set(Number(number.value)));
  number.addEventListener("keydown", (e) => {
    if (e.key === "Enter") set(Number(number.value));
  });
  timeForm.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!picker.value) return;
    const t = new Date(picker.value);
    if (Number.isNaN(t.getTime())) return;
    void show(t.toISOString());
  });
  more.addEventListener("click", () => void show(String(shown), { append: true }));
  await show(String(initial));
}
