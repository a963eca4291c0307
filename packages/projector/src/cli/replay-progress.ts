import cliProgress from "cli-progress";

/** What a progress display is told: messages done of a total, at a rate, with an estimate. */
export type ProgressFigures = { applied: number; total: number; rate: number | null; eta: number | null };

export type ProgressDisplay = { update(p: ProgressFigures): void; stop(): void };

const seconds = (s: number | null) => (s === null ? "?" : s >= 90 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);
const rate = (r: number | null) => (r === null ? "?" : `${Math.round(r).toLocaleString("en")}/s`);

/**
 * A bar on a terminal (events/s and ETA beside it); a plain line every few seconds otherwise
 * (CI logs, pipes), so a long replay still shows that it moves.
 */
export function progressDisplay(out: NodeJS.WriteStream, label: string): ProgressDisplay {
  if (out.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} events | {rate} | ETA {eta_text}`, stream: out, hideCursor: true, barsize: 30 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        if (!started) bar.start(Math.max(p.total, 1), 0, { rate: rate(null), eta_text: "?" });
        started = true;
        bar.setTotal(Math.max(p.total, 1));
        bar.update(p.applied, { rate: rate(p.rate), eta_text: seconds(p.eta) });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update(p) {
      if (Date.now() - last < 2000) return;
      last = Date.now();
      const pct = p.total > 0 ? Math.floor((100 * p.applied) / p.total) : 100;
      out.write(`${label}: ${p.applied}/${p.total} events (${pct} %), ${rate(p.rate)}, ETA ${seconds(p.eta)}\n`);
    },
    stop() {},
  };
}
