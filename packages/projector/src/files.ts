/** Whether a file system error says the file is not there. */
export function isNoEntry(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === "ENOENT";
}
