/** Sizes and counts for people: "1.2 MiB", "1,234,567". */

/** Bytes in binary units: "512 B", "1.2 KiB", "340 MiB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** A count with thousands separators, as people read them: 1,234,567. */
export function count(n: number): string {
  return n.toLocaleString("en");
}
