/**
 * A small element builder: every text goes in as text (never as HTML), so nothing a build, a
 * commit message or a log line says can become markup. The one exception is ansi_up's output in
 * the log view, which escapes HTML itself.
 */

/**
 * h("a", { href: "#/", class: "x", onclick: fn }, "text", child, [more]) -> HTMLAnchorElement.
 * Attributes that are null, undefined or false are left out; `true` sets an empty attribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name === "value" && "value" in el) el.value = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces every child of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Text hidden on screen but read by screen readers. */
export function srOnly(text) {
  return h("span", { class: "sr-only" }, text);
}

/** A `<time>` that the page keeps relative ("3 min ago"), with the exact time as its tooltip. */
export function relativeTime(iso, format) {
  if (!iso) return h("span", { class: "muted" }, "—");
  return h("time", { datetime: iso, title: new Date(iso).toLocaleString(), dataset: { relative: "" } }, format(iso, Date.now()));
}

/** Copies `text` and says so on the button for a moment. */
export function copyButton(text, label = "Copy") {
  const button = h("button", { type: "button", class: "small", "aria-label": `${label}: ${text.length > 40 ? text.slice(0, 40) + "…" : text}` }, label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select and copy";
    }
    setTimeout(() => (button.textContent = label), 1500);
  });
  return button;
}
