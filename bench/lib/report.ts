/** Figures and how they are printed: a plain table for people, one JSON line for tools. */

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** Linear-interpolated quantile (q in 0..1); NaN for no values. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export const round = (n: number, digits = 0): number => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);
export const seconds = (ms: number): string => (ms / 1000).toFixed(2);
export const mb = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);

/** A plain text table: the first row is the header; columns padded, numbers right-aligned. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (/^-?[\d.]+( ?[a-zA-Z%]+)?$/.test(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

/** The last line of a bench's output: one JSON object with its figures. */
export function printResult(result: object): void {
  console.log(JSON.stringify(result));
}

/** A goal check as printed: "ok" or "MISSED". */
export const verdict = (ok: boolean): string => (ok ? "ok" : "MISSED");
