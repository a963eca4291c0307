/**
 * The replay command's work, timed: `POST /replay` on a running projector, then `GET /replay`
 * every `pollMs` until the rebuilt view is live. The figures are the projector's own (its status
 * says how many events it folded and when it started and finished), so polling adds no error.
 */
export type ReplayRun = { ms: number; applied: number; seq: number; state: string; error: string | null; apiAnswers: number; apiFailures: number };

type Status = { state: string; startedAt: string | null; finishedAt: string | null; applied: number; seq: number; error: string | null };

export async function runReplayCommand(url: string, token: string, options: { pollMs?: number; timeoutMs: number; progress?: (s: Status) => void }): Promise<ReplayRun> {
  const headers = { authorization: `Bearer ${token}` };
  const started = await fetch(`${url}/replay`, { method: "POST", headers });
  if (started.status !== 202) throw new Error(`POST /replay answered ${started.status}: ${await started.text()}`);
  const deadline = performance.now() + options.timeoutMs;
  let apiAnswers = 0;
  let apiFailures = 0;
  let lastProgress = 0;
  for (;;) {
    // The API must keep answering while the view is rebuilt: a list request per poll says so.
    const list = await fetch(`${url}/builds?limit=10`, { headers });
    if (list.status === 200) apiAnswers++;
    else apiFailures++;
    await list.arrayBuffer();
    const status = (await (await fetch(`${url}/replay`, { headers })).json()) as Status;
    if (performance.now() - lastProgress > 5000) {
      options.progress?.(status);
      lastProgress = performance.now();
    }
    if (status.state === "done" || status.state === "failed") {
      const ms = Date.parse(status.finishedAt ?? "") - Date.parse(status.startedAt ?? "");
      return { ms, applied: status.applied, seq: status.seq, state: status.state, error: status.error, apiAnswers, apiFailures };
    }
    if (performance.now() > deadline) throw new Error(`replay not done after ${options.timeoutMs / 1000} s (at ${status.applied} events)`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
}
