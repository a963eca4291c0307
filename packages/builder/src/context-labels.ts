import { Readable } from "node:stream";
import { extract, pack, type Header } from "tar-stream";

/** One `LABEL` instruction with every label, values quoted as JSON strings (valid Dockerfile quoting). */
export function labelInstruction(labels: Record<string, string>): string {
  return "LABEL " + Object.entries(labels).map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(" ");
}

const entryName = (name: string) => name.replace(/^(\.\/)+/, "");

/**
 * Copies a build context tar, appending `instruction` to the Dockerfile named `dockerfile`. Why: the
 * legacy builder turns each `labels` option of the build API into its own `LABEL` step (a container
 * and a commit each, ~0.1 s), so six labels cost more than a small build; one appended instruction
 * is one step, and it lands in the final stage of a multi-stage Dockerfile, as labels should.
 * Errors of the source end the copy with the same error.
 */
export function appendToDockerfile(context: Readable, dockerfile: string, instruction: string): Readable {
  const source = extract();
  const out = pack();
  source.on("entry", (header: Header, stream, next) => {
    if (header.type === "file" && entryName(header.name) === dockerfile) {
      const parts: Buffer[] = [];
      stream.on("data", (chunk: unknown) => void parts.push(Buffer.from(chunk as Uint8Array)));
      stream.on("end", () => {
        const original = Buffer.concat(parts).toString("utf8");
        // A blank line first: never joined to a last line that ends in a continuation.
        const body = Buffer.from(`${original}${original.endsWith("\n") ? "" : "\n"}\n${instruction}\n`, "utf8");
        out.entry({ ...header, size: body.length }, body, next);
      });
      stream.on("error", next);
      return;
    }
    stream.pipe(out.entry(header, next));
  });
  source.on("finish", () => out.finalize());
  source.on("error", (err) => out.destroy(err));
  context.on("error", (err) => source.destroy(err));
  context.pipe(source);
  // tar-stream's streams are streamx streams: hand Docker a Node stream (errors carry over).
  return Readable.from(out);
}
