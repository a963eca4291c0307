import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeToken, encodeToken, subjects } from "../src/subjects.js";

const cases: [string, string][] = [
  ["fruty_docker-ci", "fruty_docker-ci"],
  ["", "~"],
  ["a.b", "a~2eb"],
  ["acme/site", "acme~2fsite"],
  ["*", "~2a"],
  [">", "~3e"],
  ["with space", "with~20space"],
  ["~", "~7e"],
  ["é", "~c3~a9"],
];

for (const [raw, token] of cases) {
  test(`subjects - encodes ${JSON.stringify(raw)} as one safe token`, () => {
    assert.is(encodeToken(raw), token);
    assert.is(decodeToken(token), raw);
    assert.not.match(token, /[.*> \s]/);
  });
}

test("subjects - round trips unicode and wildcard-laden names", () => {
  for (const raw of ["feature/ünïcode 🚀", "a..b", "..", "x>y*z", "refs/heads/main"]) {
    assert.is(decodeToken(encodeToken(raw)), raw);
  }
});

test("subjects - a name can never add a subject token", () => {
  const subject = subjects.webhookReceived("evil.repo.>");
  assert.is(subject.split(".").length, 4);
  assert.is(subjects.build("b123", "queued"), "ci.build.b123.queued");
  assert.is(subjects.log("b123"), "ci.log.b123");
});

test("subjects - decode refuses tokens encode cannot produce", () => {
  for (const bad of ["a.b", "~zz", "~2", "a b", "*"]) {
    assert.throws(() => decodeToken(bad));
  }
});

test.run();
