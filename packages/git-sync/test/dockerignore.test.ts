/**
 * .dockerignore matching, from the examples of Docker's documentation
 * (https://docs.docker.com/build/concepts/context/#dockerignore-files). Every expectation was
 * also checked against `docker build` (Docker 20.10 CLI) from a folder: the files a `COPY . /ctx`
 * put in the image.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ignoreFileFor, parseDockerignore } from "../src/dockerignore.js";

/** The files of `files` that a context with this ignore file keeps. */
const kept = (ignore: string, files: string[]) => {
  const rules = parseDockerignore(ignore);
  return files.filter((f) => !rules.excludes(f));
};

test("dockerignore - the documented example: comments, */temp*, */*/temp*, temp?", () => {
  const ignore = "# comment\n*/temp*\n*/*/temp*\ntemp?\n";
  const files = ["somedir/temporary.txt", "somedir/temp", "somedir/subdir/temporary.txt", "tempa", "tempb", "temp", "temporary.txt", "a/b/c/temp.txt", "somedir/subdir/temp/x"];
  // */temp* one level down only, */*/temp* two levels down only, temp? one character after temp, in the root only.
  assert.equal(kept(ignore, files), ["temp", "temporary.txt", "a/b/c/temp.txt"]);
  assert.equal(kept("# comment\n", ["# comment", "comment"]), ["# comment", "comment"]);
});

test("dockerignore - ** matches any number of directories, zero included", () => {
  assert.equal(kept("**/*.go\n", ["a.go", "x/b.go", "x/y/c.go", "x/keep.txt"]), ["x/keep.txt"]);
  assert.equal(kept("docs/**/draft\n", ["docs/draft", "docs/a/b/draft", "docs/a/final", "draft"]), ["docs/a/final", "draft"]);
});

test("dockerignore - ! makes exceptions: *.md but README.md, in the root only", () => {
  assert.equal(kept("*.md\n!README.md\n", ["README.md", "CHANGES.md", "docs/guide.md"]), ["README.md", "docs/guide.md"]);
});

test("dockerignore - the last matching line decides: the documented ordering examples", () => {
  const files = ["README.md", "README-dev.md", "README-secret.md", "CHANGES.md"];
  assert.equal(kept("*.md\n!README*.md\nREADME-secret.md\n", files), ["README.md", "README-dev.md"]);
  // The middle line has no effect: !README*.md matches README-secret.md and comes last.
  assert.equal(kept("*.md\nREADME-secret.md\n!README*.md\n", files), ["README.md", "README-dev.md", "README-secret.md"]);
});

test("dockerignore - a leading / is the context root: /foo/bar and foo/bar are the same pattern", () => {
  const files = ["foo/bar", "foo/bar/inside.txt", "foo/bar2", "bar", "x/foo/bar"];
  assert.equal(kept("/foo/bar\n", files), ["foo/bar2", "bar", "x/foo/bar"]);
  assert.equal(kept("foo/bar\n", files), kept("/foo/bar\n", files));
});

test("dockerignore - an excluded directory excludes what is under it, unless a later ! re-includes", () => {
  const files = ["docs/a.md", "docs/keep.md", "docs/sub/b.md", "logs/x.log", "tmp/y"];
  // Blank lines are skipped; paths are cleaned (./tmp/../logs/ is logs).
  assert.equal(kept("docs\n!docs/keep.md\n  \n./tmp/../logs/\n", files), ["docs/keep.md", "tmp/y"]);
  assert.equal(kept("*\n!src\n", ["src/a.ts", "src/lib/b.ts", "package.json"]), ["src/a.ts", "src/lib/b.ts"]);
});

test("dockerignore - the Dockerfile and .dockerignore can be excluded like any file", () => {
  const rules = parseDockerignore("Dockerfile*\n.dockerignore\n");
  assert.ok(rules.excludes("Dockerfile"));
  assert.ok(rules.excludes("Dockerfile_test"));
  assert.ok(rules.excludes(".dockerignore"));
  assert.not.ok(rules.excludes("app/Dockerfile.txt"));
});

test("dockerignore - matching is case-sensitive, as on Linux; a UTF-8 BOM is not part of the first pattern", () => {
  assert.equal(kept("secret.txt\n", ["SECRET.txt", "secret.txt"]), ["SECRET.txt"]);
  assert.equal(kept("\uFEFFsecret.txt\r\nkey.pem\r\n", ["secret.txt", "key.pem", "app.txt"]), ["app.txt"]);
  // Only a # in the first column starts a comment; the pattern is then trimmed.
  assert.equal(kept(" #x\n", ["#x", " #x"]), [" #x"]);
});

test("dockerignore - <Dockerfile>.dockerignore replaces the root file for that Dockerfile", () => {
  const root = new Set(["Dockerfile", "Dockerfile_test", "Dockerfile_test.dockerignore", ".dockerignore"]);
  assert.is(ignoreFileFor("Dockerfile_test", root), "Dockerfile_test.dockerignore");
  assert.is(ignoreFileFor("Dockerfile", root), ".dockerignore");
  assert.is(ignoreFileFor("Dockerfile", new Set(["Dockerfile"])), null);
  assert.is(ignoreFileFor("Dockerfile.dev", new Set(["Dockerfile.dev", "Dockerfile.dev.dockerignore"])), "Dockerfile.dev.dockerignore");
});

test.run();
