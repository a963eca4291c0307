import { visibleWidth } from "./color.js";

/**
 * Rows as aligned columns, two spaces apart, the header first; cells may carry colour escapes
 * (they take no room). The last column is not padded, so lines carry no trailing blanks.
 * `right` names the columns aligned right (numbers).
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => visibleWidth(r[i] ?? ""))));
  const line = (r: readonly string[]) =>
    r
      .map((cell, i) => {
        const pad = " ".repeat((widths[i] ?? 0) - visibleWidth(cell));
        if (right.has(i)) return pad + cell;
        return i === r.length - 1 ? cell : cell + pad;
      })
      .join("  ")
      .trimEnd();
  return all.map(line).join("\n") + "\n";
}
