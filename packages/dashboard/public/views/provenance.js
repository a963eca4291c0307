/**
 * Provenance: paste an image digest, see the build that pushed it, its commit, the push and the
 * log, and the chain of events in between (`GET /provenance?image=&digest=`). A bare digest is
 * looked up under every image name the repos page knows.
 */
import { ApiError, getJson, withQuery } from "../api.js";
import { h, relativeTime, replace } from "../dom.js";
import { formatRelative, parseImageDigest } from "../format.js";
import { errorBox, facts, focusHeading, statusBadge } from "./common.js";

export async function provenanceView(root, ctx) {
  const digestInput = h("input", { id: "prov-digest", name: "digest", type: "text", required: true, spellcheck: "false", autocomplete: "off", placeholder: "127.0.0.1:5500/shop@sha256:… or sha256:…", value: ctx.query.digest ? (ctx.query.image ? `${ctx.query.image}@${ctx.query.digest}` : ctx.query.digest) : "" });
  const imageInput = h("input", { id: "prov-image", name: "image", type: "text", spellcheck: "false", autocomplete: "off", placeholder: "optional with name@digest", value: "" });
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "stack-form", "aria-label": "Find an image's provenance" },
    h("label", { for: "prov-digest" }, "Image digest"),
    digestInput,
    h("p", { class: "small muted" }, "As ", h("code", {}, "docker inspect -f '{{index .RepoDigests 0}}' <image>"), " prints it, or the digest alone."),
    h("label", { for: "prov-image" }, "Image name ", h("span", { class: "muted" }, "(optional: when the digest comes alone and the image is not on the repos page)")),
    imageInput,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Find")),
  );
  replace(root, h("h1", {}, "Provenance"), h("p", { class: "muted" }, "Which build made an image: the commit, the push, the log, and every event in between."), form, result);
  focusHeading(root);

  const find = async () => {
    const parsed = parseImageDigest(digestInput.value, imageInput.value);
    if (parsed.error) {
      replace(result, h("p", { class: "error-text", role: "alert" }, parsed.error));
      return;
    }
    replace(result, h("p", { class: "muted" }, "Looking…"));
    try {
      const names = parsed.image ? [parsed.image] : await knownImages(ctx.signal);
      for (const image of names) {
        try {
          const { body } = await getJson(withQuery("/provenance", { image, digest: parsed.digest }), { signal: ctx.signal });
          replace(result, provenance(body));
          history.replaceState(null, "", `#/provenance${withQuery("", { image: body.image, digest: body.digest })}`);
          return;
        } catch (err) {
          if (!(err instanceof ApiError && err.code === "IMAGE_NOT_FOUND")) throw err;
        }
      }
      replace(
        result,
        h("div", { class: "empty" }, h("p", {}, `No build pushed ${parsed.image ? `${parsed.image}@` : ""}${parsed.digest}${parsed.image ? "" : ` under any of the ${names.length} image names this slipway knows`}.`), h("p", { class: "small" }, "Check the digest (a digest is per registry and image), or give the image's name.")),
      );
    } catch (err) {
      if (err?.name !== "AbortError") replace(result, errorBox(err, { what: "The provenance could not be read" }));
    }
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void find();
  });
  if (digestInput.value) await find();
}

/** Every image name the view knows, from the last build of each Dockerfile. */
async function knownImages(signal) {
  const { body } = await getJson("/repos", { signal });
  return [...new Set(body.repos.flatMap((r) => r.dockerfiles.map((d) => d.lastBuild.image)).filter(Boolean))];
}

function provenance(p) {
  return h(
    "div",
    {},
    h("p", {}, h("code", {}, `${p.image}@${p.digest}`), ` was pushed by ${p.builds.length} build${p.builds.length === 1 ? "" : "s"}.`),
    p.builds.map((e) =>
      h(
        "article",
        { class: "provenance" },
        h("h2", {}, h("a", { href: `#/builds/${encodeURIComponent(e.build.id)}` }, `${e.build.repo} #${e.build.buildNumber}`), " ", statusBadge(e.build.status)),
        facts([
          ["Build", h("a", { href: `#/builds/${encodeURIComponent(e.build.id)}` }, e.build.id)],
          ["Dockerfile", h("code", {}, e.build.dockerfile)],
          ["Commit", h("span", {}, h("code", {}, e.commit.sha), e.commit.branch ? [" on ", h("code", {}, e.commit.branch)] : null, " in ", e.commit.repo)],
          ["Push", h("span", {}, h("a", { href: `#/deliveries/${encodeURIComponent(e.push.deliveryId)}` }, e.push.deliveryId), e.push.ref ? [" ", h("code", {}, e.push.ref)] : null, e.push.pusher ? ` by ${e.push.pusher}` : null, e.push.receivedAt ? [", ", relativeTime(e.push.receivedAt, formatRelative)] : null)],
          ["Log", h("span", {}, h("a", { href: `#/builds/${encodeURIComponent(e.build.id)}` }, "on the build's page"), " ", h("code", { class: "muted" }, e.log))],
          ["Tags", e.build.tags.map((t) => h("code", { class: "tag" }, t))],
        ]),
        h("h3", {}, "Chain of events"),
        h(
          "ol",
          { class: "timeline" },
          e.chain.map((link) =>
            h(
              "li",
              {},
              h("strong", {}, link.type),
              " ",
              h("span", { class: "muted small" }, `#${link.seq} · `, relativeTime(link.time, formatRelative)),
              link.event ? h("details", {}, h("summary", {}, "the event as stored"), h("pre", { class: "json" }, JSON.stringify(link.event, null, 2))) : h("span", { class: "muted small" }, " (no longer in the stream)"),
            ),
          ),
        ),
      ),
    ),
  );
}
