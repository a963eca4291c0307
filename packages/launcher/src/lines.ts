/** Pure helpers over child-process output lines. */

/**
 * Whether a log line is a service's readiness line: pino JSON whose `msg` is exactly "ready"
 * (the shared service convention). Anything else, including non-JSON output, is not.
 */
export function isReadyLine(line: string): boolean {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return false;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return typeof parsed === "object" && parsed !== null && "msg" in parsed && parsed.msg === "ready";
  } catch {
    return false;
  }
}

/**
 * Splits a stream of chunks into whole lines: `push` returns the complete lines so far and keeps
 * the unfinished tail; `flush` returns that tail (at process exit).
 */
export function lineSplitter(): { push(chunk: string): string[]; flush(): string[] } {
  let tail = "";
  return {
    push(chunk) {
      const parts = (tail + chunk).split(/\r?\n/);
      tail = parts.pop() ?? "";
      return parts;
    },
    flush() {
      const rest = tail;
      tail = "";
      return rest ? [rest] : [];
    },
  };
}

/** `[name] line`, padded so that the columns of several services line up. */
export function prefixLine(name: string, line: string, width = 0): string {
  return `${`[${name}]`.padEnd(width + 2)} ${line}`;
}

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const NOISE = new Set(["level", "time", "pid", "hostname", "name", "msg", "v"]);

/**
 * A pino JSON line made readable for the console ("INFO  ready port=6000"); anything that is not
 * a pino line is returned as it was. The log files keep the JSON.
 */
export function humanLine(line: string): string {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return line;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return line;
  }
  if (typeof parsed !== "object" || parsed === null || !("msg" in parsed)) return line;
  const record = new Map<string, unknown>(Object.entries(parsed));
  const rawLevel = record.get("level");
  const level = typeof rawLevel === "number" ? (LEVELS[rawLevel] ?? String(rawLevel)) : "";
  const extras = [...record]
    .filter(([k]) => !NOISE.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return [level.padEnd(5), String(record.get("msg")), ...extras].join(" ").trimEnd();
}
