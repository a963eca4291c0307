import { spawn } from "node:child_process";
import { gitEnv, GitCommandError } from "./run-git.js";

export type CatFileBatch = {
  /** The next object's content, in the order asked for. */
  next(): Promise<Buffer>;
  /** Ends git if it still runs. */
  close(): void;
};

/**
 * `git cat-file --batch` for objects known in advance: asked for all at once, read back one by
 * one as git writes them (stdout paused while the reader is behind: memory stays flat).
 */
export function catFileBatch(mirror: string, oids: readonly string[], timeoutMs: number): CatFileBatch {
  const child = spawn("git", [`--git-dir=${mirror}`, "cat-file", "--batch"], { env: gitEnv({ timeoutMs }), stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-4096)));
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  const timer = setTimeout(() => child.kill(), timeoutMs);
  void exited.finally(() => clearTimeout(timer));
  child.stdin.on("error", () => undefined);
  child.stdin.end(oids.map((oid) => `${oid}\n`).join(""));

  const pieces = child.stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let chunk: Buffer = Buffer.alloc(0);
  const failed = async (): Promise<never> => {
    const code = await exited;
    throw new GitCommandError("cat-file", stderr, code, false);
  };
  const more = async () => {
    const next = await pieces.next();
    if (next.done) return failed();
    chunk = chunk.length === 0 ? next.value : Buffer.concat([chunk, next.value]);
  };
  const take = async (n: number) => {
    while (chunk.length < n) await more();
    const out = chunk.subarray(0, n);
    chunk = chunk.subarray(n);
    return out;
  };
  return {
    async next() {
      let eol = chunk.indexOf(0x0a);
      while (eol === -1) {
        await more();
        eol = chunk.indexOf(0x0a);
      }
      const line = chunk.toString("utf8", 0, eol);
      chunk = chunk.subarray(eol + 1);
      const size = Number(line.split(" ")[2]);
      if (!Number.isInteger(size)) throw new GitCommandError("cat-file", `unexpected answer: ${line}`, null, false);
      const content = Buffer.from(await take(size + 1));
      return content.subarray(0, size);
    },
    close() {
      if (child.exitCode === null) child.kill();
    },
  };
}
