/**
 * The log bench's numbered lines: `<n> <seconds.micros> <padding>`, printed by a busybox loop in
 * the container with `$EPOCHREALTIME` (busybox `date` has no `%N`). A checker follows a text
 * stream split anywhere, and tells whether every line came, whole and in order.
 */

/** The RUN loop printing `count` lines of about `lineBytes` bytes each. */
export function printLoop(count: number, lineBytes: number): string {
  const pad = "x".repeat(padLength(count, lineBytes));
  return `i=0; while [ $i -lt ${count} ]; do echo "$i $EPOCHREALTIME ${pad}"; i=$((i+1)); done`;
}

/** Padding that brings a line of the widest number and a microsecond timestamp to `lineBytes` (with its newline). */
export function padLength(count: number, lineBytes: number): number {
  return Math.max(1, lineBytes - String(count - 1).length - " 1234567890.123456 ".length - 1);
}

const LINE = /^(?:#\d+ )?(\d+) (\d+\.\d+) (x+)$/; // `#n ` is the plain-progress prefix of a BuildKit step

export type LineReport = {
  expected: number;
  /** Well-formed numbered lines seen. */
  received: number;
  /** Lines whose number was not the previous one plus one. */
  outOfOrder: number;
  /** Lines that start like a numbered line but are not whole (cut, merged, wrong padding). */
  malformed: number;
  /** The first problems seen, for a report. */
  firstProblems: string[];
  /** Container timestamps (ms) of the first and last line. */
  firstStampMs: number | null;
  lastStampMs: number | null;
  complete: boolean;
};

export class LineChecker {
  private tail = "";
  private next = 0;
  private readonly report: LineReport;

  /** `onLine` gets each good line's container time (ms since the epoch), e.g. to measure lag. */
  constructor(
    expected: number,
    private readonly padding: number,
    private readonly onLine: (stampMs: number) => void = () => undefined,
  ) {
    this.report = { expected, received: 0, outOfOrder: 0, malformed: 0, firstProblems: [], firstStampMs: null, lastStampMs: null, complete: false };
  }

  /** Feeds text, split anywhere. */
  push(text: string): void {
    const parts = (this.tail + text).split("\n");
    this.tail = parts.pop() ?? "";
    for (const line of parts) this.line(line);
  }

  /** The last line seen so far has this number (the stream is done when it is `expected - 1`). */
  get lastNumber(): number {
    return this.next - 1;
  }

  private problem(what: string): void {
    if (this.report.firstProblems.length < 5) this.report.firstProblems.push(what);
  }

  private line(line: string): void {
    const m = LINE.exec(line);
    if (!m) {
      if (/^(?:#\d+ )?\d+ \d/.test(line)) {
        this.report.malformed++;
        this.problem(`malformed line after #${this.next - 1}: ${JSON.stringify(line.slice(0, 80))}`);
      }
      return;
    }
    const n = Number(m[1]);
    if (m[3]!.length !== this.padding) {
      this.report.malformed++;
      this.problem(`line #${n}: padding ${m[3]!.length}, expected ${this.padding}`);
      return;
    }
    if (n !== this.next) {
      this.report.outOfOrder++;
      this.problem(`line #${n} after #${this.next - 1}`);
    }
    this.next = n + 1;
    this.report.received++;
    const stampMs = Number(m[2]) * 1000;
    this.report.firstStampMs ??= stampMs;
    this.report.lastStampMs = stampMs;
    this.onLine(stampMs);
  }

  result(): LineReport {
    const r = { ...this.report, firstProblems: [...this.report.firstProblems] };
    r.complete = r.received === r.expected && r.outOfOrder === 0 && r.malformed === 0;
    return r;
  }
}
