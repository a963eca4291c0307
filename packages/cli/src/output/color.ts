/** The few styles the CLI uses; a palette that is off returns text unchanged. */
export type Palette = {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
};

const sgr = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

const ON: Palette = { red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39), dim: sgr(2, 22), bold: sgr(1, 22) };
const same = (s: string) => s;
const OFF: Palette = { red: same, green: same, yellow: same, cyan: same, dim: same, bold: same };

export function palette(enabled: boolean): Palette {
  return enabled ? ON : OFF;
}

const ESCAPES = /\u001b\[[0-9;]*m/g;

/** What a terminal shows of `s`: escapes take no room. */
export function visibleWidth(s: string): number {
  return [...s.replace(ESCAPES, "")].length;
}

/** A build status (or verdict) in the colour that reads as good, bad, or still going. */
export function statusColor(p: Palette, status: string): string {
  switch (status) {
    case "succeeded":
    case "pushed":
    case "ready":
    case "ok":
      return p.green(status);
    case "failed":
    case "down":
    case "unavailable":
      return p.red(status);
    case "cancelled":
    case "lagging":
      return p.yellow(status);
    case "running":
      return p.cyan(status);
    default:
      return status;
  }
}
