/**
 * The dashboard's shell: hash routes (`#/`, `#/builds/<id>`, `#/deliveries/<id>`, ...: no page
 * path ever meets an API path), the token form, the "New build" form, and the clock that keeps
 * relative times fresh. Each view renders into <main> and is disposed (its streams closed) when
 * the route changes.
 */
import { control, getJson, setTokenPrompt, storedToken, storedUser, storeToken, storeUser } from "./api.js";
import { h, replace } from "./dom.js";
import { formatDuration, formatRelative } from "./format.js";
import { buildView } from "./views/build.js";
import { buildsView } from "./views/builds.js";
import { errorBox } from "./views/common.js";
import { deliveriesView, deliveryView } from "./views/delivery.js";
import { historyView } from "./views/history.js";
import { provenanceView } from "./views/provenance.js";
import { reposView } from "./views/repos.js";

const main = document.getElementById("main");
const notice = document.getElementById("notice");

/** `#/builds/abc?asOf=12` -> { name: "build", params: { id: "abc" }, query: { asOf: "12" } }. */
export function parseRoute(hash) {
  const raw = hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?", 2);
  const query = Object.fromEntries(new URLSearchParams(search));
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: "builds", params: {}, query };
  if (parts[0] === "builds" && parts.length === 2) return { name: "build", params: { id: parts[1] }, query };
  if (parts[0] === "deliveries" && parts.length === 1) return { name: "deliveries", params: {}, query };
  if (parts[0] === "deliveries" && parts.length === 2) return { name: "delivery", params: { id: parts[1] }, query };
  if (parts.length === 1 && ["repos", "history", "provenance"].includes(parts[0])) return { name: parts[0], params: {}, query };
  return { name: "not-found", params: {}, query };
}

const VIEWS = {
  builds: buildsView,
  build: buildView,
  deliveries: deliveriesView,
  delivery: deliveryView,
  repos: reposView,
  history: historyView,
  provenance: provenanceView,
  "not-found": (root) => {
    replace(root, h("h1", {}, "Nothing here"), h("p", {}, "This address names no page of the dashboard. ", h("a", { href: "#/" }, "Go to the builds.")));
  },
};

/** Which nav entry a route belongs to. */
const NAV_OF = { builds: "builds", build: "builds", deliveries: "deliveries", delivery: "deliveries", repos: "repos", history: "history", provenance: "provenance" };

let current = null;

function render() {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const route = parseRoute(location.hash);
  for (const a of document.querySelectorAll("nav a[data-nav]")) {
    if (a.dataset.nav === NAV_OF[route.name]) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  replace(main);
  const ctx = { signal: controller.signal, params: route.params, query: route.query, notify, navigate };
  Promise.resolve()
    .then(() => VIEWS[route.name](main, ctx))
    .catch((err) => {
      if (controller.signal.aborted || err?.name === "AbortError") return;
      console.error(err);
      main.append(errorBox(err, { retry: render }));
    });
}

/** A message in the polite live region at the top, gone after a while. */
export function notify(message, kind = "info") {
  replace(notice, h("p", { class: `notice-${kind}` }, message));
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => replace(notice), 8000);
}

export function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

// --- the token form ----------------------------------------------------------------------------

const tokenDialog = document.getElementById("token-dialog");
const tokenForm = document.getElementById("token-form");

/** Opens the form; resolves with whether a token was saved. */
function askToken(reason) {
  return new Promise((resolve) => {
    document.getElementById("token-reason").textContent = reason ?? "Enter the value of SLIPWAY_API_TOKEN.";
    const input = document.getElementById("token-input");
    input.value = "";
    document.getElementById("user-input").value = storedUser() ?? "";
    document.getElementById("token-forget").hidden = storedToken() === null;
    const done = (event) => {
      const action = event.submitter?.value ?? "cancel";
      if (action === "save") {
        event.preventDefault();
        if (!tokenForm.reportValidity()) return;
        storeToken(input.value.trim());
        storeUser(document.getElementById("user-input").value.trim());
        tokenDialog.close("save");
      } else if (action === "forget") {
        storeToken(null);
      }
    };
    tokenForm.addEventListener("submit", done);
    tokenDialog.addEventListener(
      "close",
      () => {
        tokenForm.removeEventListener("submit", done);
        resolve(tokenDialog.returnValue === "save");
      },
      { once: true },
    );
    tokenDialog.returnValue = "";
    tokenDialog.showModal();
    input.focus();
  });
}

setTokenPrompt(askToken);
document.getElementById("token-button").addEventListener("click", async () => {
  if (await askToken(storedToken() ? "A token is stored. Enter another one to replace it." : "Enter the value of SLIPWAY_API_TOKEN.")) {
    notify("Token saved in this browser.");
    render();
  }
});

// --- the "New build" form -----------------------------------------------------------------------

const buildDialog = document.getElementById("build-dialog");
const buildForm = document.getElementById("build-form");

document.getElementById("new-build").addEventListener("click", () => openNewBuild());

/** Opens the form, prefilled (a repo page passes its repo). */
export async function openNewBuild(prefill = {}) {
  document.getElementById("build-error").textContent = "";
  for (const name of ["repo", "ref", "sha"]) buildForm.elements[name].value = prefill[name] ?? "";
  buildDialog.showModal();
  buildForm.elements.repo.focus();
  try {
    const { body } = await getJson("/repos");
    replace(document.getElementById("known-repos"), body.repos.map((r) => h("option", { value: r.repo })));
  } catch {
    // Suggestions only.
  }
}

buildForm.addEventListener("submit", async (event) => {
  if (event.submitter?.value !== "build") return;
  event.preventDefault();
  if (!buildForm.reportValidity()) return;
  const repo = buildForm.elements.repo.value.trim();
  const ref = buildForm.elements.ref.value.trim();
  const sha = buildForm.elements.sha.value.trim().toLowerCase();
  const submit = event.submitter;
  submit.disabled = true;
  try {
    const answer = await control("/builds", { repo, ref, ...(sha ? { sha } : {}) });
    buildDialog.close("build");
    notify(answer.message ?? "Build requested.");
    navigate(`#/deliveries/${encodeURIComponent(answer.deliveryId)}`);
  } catch (err) {
    document.getElementById("build-error").textContent = err.message;
  } finally {
    submit.disabled = false;
  }
});

// --- clock ---------------------------------------------------------------------------------------

/** Relative times and running durations move on without asking the server anything. */
setInterval(() => {
  const now = Date.now();
  for (const t of document.querySelectorAll("time[data-relative]")) t.textContent = formatRelative(t.getAttribute("datetime"), now);
  for (const td of document.querySelectorAll("[data-running-since]")) td.textContent = formatDuration(now - Date.parse(td.dataset.runningSince));
}, 5000);

window.addEventListener("hashchange", render);
render();
