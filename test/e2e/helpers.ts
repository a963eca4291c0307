import * as assert from "uvu/assert";

/** Polls until `probe` returns a value (not null), or fails the test naming what it waited for. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 180_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}

/** Asserts that subjects starting with each prefix were seen, in this order. */
export function seenInOrder(seen: string[], prefixes: string[]): void {
  let from = 0;
  for (const prefix of prefixes) {
    const at = seen.findIndex((s, i) => i >= from && s.startsWith(prefix));
    assert.ok(at >= 0, `expected ${prefix} after position ${from}; saw ${JSON.stringify(seen)}`);
    from = at + 1;
  }
}
