import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * The absolute library paths in `ldd` output ("libc.so.6 => /lib/.../libc.so.6 (0x..)" and
 * "/lib64/ld-linux-x86-64.so.2 (0x..)"); the kernel's vdso has no file and is skipped. A static
 * binary ("not a dynamic executable", "statically linked") yields none.
 */
export function parseLdd(output: string): string[] {
  const paths = new Set<string>();
  for (const line of output.split("\n")) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/i.exec(line);
    if (m?.[1]) paths.add(m[1]);
  }
  return [...paths];
}

/** The shared libraries a binary loads, from `ldd` (empty for a static binary). */
export function librariesOf(binary: string): string[] {
  try {
    return parseLdd(execFileSync("ldd", [binary], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
  } catch {
    // ldd exits non-zero for static binaries.
    return [];
  }
}

/** The first executable named `name` on PATH or in the sbin folders (where Debian puts servers). */
export function findBinary(name: string, pathEnv = process.env.PATH ?? ""): string | null {
  const dirs = [...pathEnv.split(delimiter), "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
