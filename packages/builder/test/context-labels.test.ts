import { Readable } from "node:stream";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { extract, pack } from "tar-stream";
import { appendToDockerfile, labelInstruction } from "../src/context-labels.js";

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const p = pack();
  for (const [name, content] of Object.entries(files)) p.entry({ name }, content);
  p.finalize();
  const parts: Buffer[] = [];
  for await (const chunk of p) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

async function filesOf(stream: Readable): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const ex = extract();
  stream.pipe(ex);
  for await (const entry of ex) {
    const parts: Buffer[] = [];
    for await (const chunk of entry) parts.push(chunk as Buffer);
    files[entry.header.name] = Buffer.concat(parts).toString("utf8");
  }
  return files;
}

test("context labels - one LABEL instruction, values quoted so spaces and quotes survive", () => {
  assert.is(labelInstruction({ "a.b": "x y", c: 'say "hi"' }), 'LABEL "a.b"="x y" "c"="say \\"hi\\""');
});

test("context labels - the named Dockerfile gets the instruction; every other file passes unchanged", async () => {
  const tar = await tarOf({ "./Dockerfile": "FROM scratch\nCOPY a /a", "Dockerfile.dev": "FROM scratch\n", "a": "payload" });
  const files = await filesOf(appendToDockerfile(Readable.from([tar]), "Dockerfile", 'LABEL "k"="v"'));
  assert.is(files["./Dockerfile"], 'FROM scratch\nCOPY a /a\n\nLABEL "k"="v"\n');
  assert.is(files["Dockerfile.dev"], "FROM scratch\n");
  assert.is(files["a"], "payload");
});

test("context labels - a broken source ends the copy with its error", async () => {
  const source = new Readable({ read() {} });
  const out = appendToDockerfile(source, "Dockerfile", "LABEL x=y");
  const failed = new Promise<unknown>((resolve) => out.on("error", resolve));
  out.resume(); // Docker reads it; so does this test
  source.destroy(new Error("context broke off"));
  assert.match(String(await failed), "context broke off");
});

test.run();
