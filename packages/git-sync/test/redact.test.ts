import { test } from "uvu";
import * as assert from "uvu/assert";
import { redactIn, redactUrl } from "../src/redact.js";

test("redact - credentials in clone URLs and templates are hidden", () => {
  assert.is(redactUrl("https://x-access-token:ghp_secret@github.com/acme/app.git"), "https://***@github.com/acme/app.git");
  assert.is(redactUrl("https://ghp_secret@github.com/{full_name}.git"), "https://***@github.com/{full_name}.git");
  assert.is(redactUrl("https://github.com/acme/app.git"), "https://github.com/acme/app.git");
  assert.is(redactUrl("/srv/git/app.git"), "/srv/git/app.git");
});

test("redact - git's echo of the URL in an error is hidden too", () => {
  const url = "https://user:pw@git.example/app.git";
  const msg = `fatal: unable to access '${url}/': Could not resolve host`;
  const out = redactIn(msg, url);
  assert.not.match(out, /pw/);
  assert.match(out, /https:\/\/\*\*\*@git\.example\/app\.git/);
});

test.run();
